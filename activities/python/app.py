"""The built-in Python runner (`builtin:python`): runs one Chaos Toolkit
`python` provider call inside the component's CPython.

It implements the `python` interface of `wit/python.wit`: import `module`,
look up `func`, call it with `arguments` as keyword arguments (plus
`configuration=` and `secrets=` when the function declares them), and return
the result as JSON text. An exception the function raises becomes
`failed("ExceptionType: message")`, the message Chaos Toolkit's
`ActivityFailed` carries.

Only what is imported here, when the component is built, is bundled: the
curated standard-library set below (the host's validation refuses other
modules, see `crates/core/src/validation/python.rs`).
"""

import datetime
import decimal
import importlib
import inspect
import json
import math
import sys
import traceback
import uuid

# The curated standard-library set activities may import. componentize-py
# bundles only the modules imported while the component is built.
import os  # noqa: F401
import os.path  # noqa: F401
import pathlib  # noqa: F401
import random  # noqa: F401
import re  # noqa: F401
import shutil  # noqa: F401
import socket  # noqa: F401
import statistics  # noqa: F401
import subprocess  # noqa: F401  (importable; WASI has no processes, so calls fail)
import time  # noqa: F401
import urllib.parse  # noqa: F401
import urllib.request  # noqa: F401

from wit_world import exports
from componentize_py_types import Err
from wit_world.imports.types import (
    ActivityError_CapabilityDenied,
    ActivityError_Failed,
    ActivityError_InvalidArguments,
)

# Nesting deeper than this in a return value is cut (a self-referencing list
# would otherwise recurse forever).
MAX_DEPTH = 64

# A module imported from the experiment's directory must not leave byte code
# there.
sys.dont_write_bytecode = True


class CapabilityDenied(Exception):
    """A path outside every directory the activity was granted. Not an
    `OSError`, so that `os.path.exists` and its kin cannot swallow it."""


def visible(path):
    """Whether `path` lies in the part of the file system the activity was
    granted: it, or one of its ancestors, can be looked at. In the sandbox
    a path outside every grant looks absent, like a missing file."""
    current = os.path.normpath(os.fspath(path))
    while True:
        try:
            os.stat(current)
            return True
        except OSError:
            parent = os.path.dirname(current) or "."
            if parent == current:
                return False
            current = parent


def denial_aware(predicate):
    """`predicate` (`os.path.exists` and its kin), answering for a path
    outside every grant with a denial instead of `False`."""
    def check(path, *args, **kwargs):
        answer = predicate(path, *args, **kwargs)
        if answer or isinstance(path, int) or visible(path):
            return answer
        raise CapabilityDenied(f"{os.fspath(path)!r} is outside every directory this activity was granted")
    return check


# The predicates that answer `False` for any `OSError`: called as an
# activity's function, a path outside every grant is a denial, not an
# answer. (Called from inside other code they keep Python's behaviour, which
# the standard library relies on.)
PATH_PREDICATES = {
    id(f): f for f in (os.path.exists, os.path.lexists, os.path.isfile, os.path.isdir, os.path.islink)
}


class Python(exports.Python):
    """The exported interface."""

    def call(self, request):
        try:
            return run(request)
        except Err:
            raise
        except BaseException as e:  # a fault of the runner itself: never a trap
            raise Err(ActivityError_Failed(f"the Python runner failed: {exception_message(e)}"))


def run(request):
    """One call: the function's result as JSON text, or `Err`."""
    try:
        arguments = json.loads(request.arguments)
    except ValueError as e:
        raise Err(ActivityError_InvalidArguments(f"arguments are not JSON: {e}"))
    if not isinstance(arguments, dict):
        raise Err(ActivityError_InvalidArguments("arguments must be a JSON object"))
    if request.search_path is not None and request.search_path not in sys.path:
        sys.path.insert(0, request.search_path)
    function = find(request.module, request.func)
    if id(function) in PATH_PREDICATES:
        function = denial_aware(function)
    parameters = declared_parameters(function)
    if "configuration" in parameters and request.configuration is not None:
        arguments["configuration"] = json.loads(request.configuration)
    if "secrets" in parameters and request.secrets is not None:
        arguments["secrets"] = json.loads(request.secrets)
    try:
        value = function(**arguments)
    except CapabilityDenied as e:
        raise Err(ActivityError_CapabilityDenied(str(e)))
    except BaseException as e:  # SystemExit too: it must not end the runner
        raise Err(ActivityError_Failed(exception_message(e)))
    return json.dumps(to_json(value, 0), ensure_ascii=False, allow_nan=False)


def find(module_name, func_name):
    """The module-level callable `func_name` of module `module_name`."""
    try:
        module = importlib.import_module(module_name)
    except BaseException as e:
        raise Err(ActivityError_InvalidArguments(
            f"could not import Python module '{module_name}': {exception_message(e)}"))
    function = getattr(module, func_name, None)
    if function is None or not callable(function):
        raise Err(ActivityError_InvalidArguments(
            f"the Python module '{module_name}' does not expose a function called '{func_name}'"))
    return function


def declared_parameters(function):
    """The names of `function`'s parameters (none when Python cannot tell)."""
    try:
        return set(inspect.signature(function).parameters)
    except (TypeError, ValueError):
        return set()


def exception_message(error):
    """`ExceptionType: message`: the first line of
    `traceback.format_exception_only`, as Chaos Toolkit's python provider
    reports an exception."""
    return traceback.format_exception_only(type(error), error)[0].strip()


def to_json(value, depth):
    """`value` as something `json.dumps` accepts.

    JSON values pass through. Dates and times become ISO 8601 strings,
    `Decimal` and `UUID` their `str` (what Chaos Toolkit's journal encoder
    does); tuples and sets become lists; non-finite floats and dictionary
    keys that are not strings become their `repr`/`str`; anything else
    becomes its `repr`. Nesting deeper than MAX_DEPTH becomes `"..."`.
    """
    if depth > MAX_DEPTH:
        return "..."
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, dict):
        return {key_text(k): to_json(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(v, depth + 1) for v in value]
    if isinstance(value, (set, frozenset)):
        return [to_json(v, depth + 1) for v in sorted(value, key=repr)]
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    return repr(value)


def key_text(key):
    """A dictionary key as JSON text (what `json.dumps` does for str, int,
    float, bool and None; `repr` for anything else)."""
    if isinstance(key, str):
        return key
    if key is None or isinstance(key, (bool, int, float)):
        return json.dumps(key)
    return repr(key)
