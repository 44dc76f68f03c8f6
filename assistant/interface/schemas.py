"""The JSON objects `kb` prints and `kb serve` sends, as JSON Schemas (draft 2020-12): the one
definition of the wire format. docs/json.md shows each schema verbatim (tests/test_wire_format.py
checks that it does, and validates real output against them).

Objects only grow: a schema lists the fields a consumer may rely on and allows any others, and a
field, once here, is never renamed, removed or given another type. A command that gains a JSON
output (lint, doctor, checkpoint, ...) adds its schema to SCHEMAS and its section to docs/json.md.
"""

from __future__ import annotations

from typing import Any

from assistant.environment.report import DOCTOR_SCHEMA
from assistant.repair.checkpoint import SCHEMA as CHECKPOINT_SCHEMA

_DRAFT = "https://json-schema.org/draft/2020-12/schema"
_TEXT_OR_NULL = {"type": ["string", "null"]}
_ERROR = {"type": "object", "required": ["type", "message"],
          "properties": {"type": {"type": "string"}, "message": {"type": "string"}}}
_RUN = {
    "type": "object", "required": ["status", "error", "duration_s"],
    "properties": {
        "status": {"type": "string", "description": "ok | error | timeout | limit"},
        "error": {"oneOf": [_ERROR, {"type": "null"}]},
        "duration_s": {"type": "number", "minimum": 0},
        "runs": {"type": "integer", "minimum": 1, "description": "2 when the code starts processes: it ran clean "
                 "once and this is its second run, which a verified patch must pass too"},
        "crash": {"type": "string", "description": "a crash that a process of the run printed (an exception's "
                  "last line, a native abort) although the main process ended with status 0; \"\" when none"},
    },
}


def _object(title: str, required: dict[str, Any], description: str) -> dict[str, Any]:
    return {"$schema": _DRAFT, "title": title, "description": description, "type": "object",
            "required": list(required), "properties": required}


ASK = _object("kb ask --json", {
    "query": {
        "type": "object", "required": ["kind", "error_type", "message", "layer"],
        "properties": {
            "kind": {"enum": ["error", "traceback", "question", "code"]},
            "error_type": _TEXT_OR_NULL, "message": _TEXT_OR_NULL,
            "layer": {**_TEXT_OR_NULL, "description": "the torch.nn module file the error surfaced in"},
            "raised_in": {"type": "string", "description": "present when the traceback shows another library "
                          "(pandas, tensorflow, ...) raised the error off any torch path; the match is then never confident"},
        },
    },
    "match": {"enum": ["confident", "weak", "none"]},
    "results": {"type": "array", "description": "whole documents, best first, never one twice", "items": {
        "type": "object", "required": ["id", "title", "score", "source", "explanation", "fix", "facts"],
        "properties": {
            "id": {"type": "string"}, "title": {"type": "string"}, "score": {"type": "number"},
            "source": {"type": "string"}, "explanation": {"type": "string"},
            "fix": {"type": "string", "description": "Markdown, with code"},
            "facts": {"type": "object", "additionalProperties": {"type": "string"}},
        },
    }},
    "api": {"type": "array", "description": "torch APIs the query uses that were removed, renamed or added", "items": {
        "type": "object", "required": ["symbol", "kind", "version", "replacement"],
        "properties": {"symbol": {"type": "string"}, "kind": {"type": "string"}, "version": {"type": "string"},
                       "replacement": _TEXT_OR_NULL, "note": {"type": "string"}, "mechanical": {"type": "boolean"},
                       "installed_torch": _TEXT_OR_NULL,
                       "installed_has_it": {"type": ["boolean", "null"],
                                            "description": "added APIs: the torch beside kb has it, so the code ran with an older one"}},
    }},
    "commands": {"type": "array", "items": {"type": "string"}, "description": "kb commands worth running next"},
}, "One answer: what the query was read as, how good the match is, and the ranked results. Also "
   "each answered line of `kb ask --batch` and the reply to a server `ask` request.")

# Only answers to pasted code have it (query.kind "code"), so it is not required of every answer.
ASK["properties"]["code"] = {
    "type": "object", "required": ["evidence", "line", "note", "findings", "error"],
    "description": "what the pasted code itself showed, strongest first: an entry's detector (no run), the "
                   "error of the abstract run on shape-only tensors, of a real run (kb ask --run), or only its text",
    "properties": {
        "evidence": {"enum": ["detector", "abstract-run", "run", "text"]},
        "line": {"type": ["integer", "null"], "description": "the line of the paste the answer is about"},
        "note": {"type": "string", "description": "that line and what is wrong there, for people; empty for text"},
        "findings": {"type": "array", "items": {
            "type": "object", "required": ["line", "col", "id", "message"],
            "properties": {"line": {"type": "integer"}, "col": {"type": "integer"}, "id": {"type": "string"},
                           "message": {"type": "string"}},
        }},
        "error": {"oneOf": [{"type": "object", "required": ["type", "message", "line"], "properties": {
            "type": {"type": "string"}, "message": {"type": "string"}, "line": {"type": ["integer", "null"]}}},
            {"type": "null"}], "description": "the error the run raised"},
    },
}

FIX = _object("kb fix --json", {
    "verdict": {"enum": ["verified", "patched-unverified", "no-fix", "not-reproduced", "cannot-run"]},
    "error": {"oneOf": [_ERROR, {"type": "null"}], "description": "the problem being fixed"},
    "entry": _TEXT_OR_NULL, "entry_title": _TEXT_OR_NULL,
    "recipe": {**_TEXT_OR_NULL, "description": "the recipes applied, joined by ' + '"},
    "patch": {"type": "string", "description": "a unified diff; empty without a patch"},
    "patched": {**_TEXT_OR_NULL, "description": "the whole patched file"},
    "verified": {"type": "boolean", "description": "true exactly when verdict is verified"},
    "reproduced": {"type": "boolean"},
    "original": {"oneOf": [_RUN, {"type": "null"}]},
    "after": {"oneOf": [_RUN, {"type": "null"}]},
    "tried": {"type": "array", "items": {
        "type": "object", "required": ["round", "recipe", "verified", "after"],
        "properties": {"round": {"type": "integer", "minimum": 1}, "recipe": {"type": "string"},
                       "entry": {**_TEXT_OR_NULL, "description": "the entry whose fix the recipe is"},
                       "verified": {"type": "boolean"}, "after": {"oneOf": [_RUN, {"type": "null"}]}},
    }},
    "next": {"oneOf": [{"type": "object", "required": ["id", "title", "match"],
                        "properties": {"id": {"type": "string"}, "title": {"type": "string"},
                                       "match": {"type": "string"}}},
                       {"type": "null"}]},
    "harness": {"type": "boolean"}, "note": {"type": "string"},
    "duration_s": {"type": "number", "minimum": 0},
}, "One fix report; `verdict` decides the exit code (see the README, Exit codes). Also the reply to "
   "a server `fix` request.")

BATCH_ERROR = _object("kb ask --batch error line", {
    "error": {"type": "string", "pattern": "^line [0-9]+: "},
}, "Written instead of an answer for an input line that cannot be used; the other lines are answered.")

SERVER_ERROR = _object("kb serve error reply", {
    "error": {"type": "string"},
    "kind": {"enum": ["query", "mismatch", "request", "server"]},
}, "A server request that cannot be answered. query: the query is unusable (kb ask exits 2 for it); "
   "mismatch: another index or model; request: malformed; server: failed in the server.")

PING = _object("kb serve ping reply", {
    "index": {"type": "string"}, "model": {"type": "string"}, "pid": {"type": "integer"},
}, "What a running server holds.")

CHECK_CORPUS = _object("kb check-corpus --json", {
    "entries": {"type": "array", "items": {
        "type": "object", "required": ["id", "status", "reason"],
        "properties": {"id": {"type": "string"}, "status": {"enum": ["ok", "failed", "skipped"]},
                       "reason": {"type": "string"}},
    }},
}, "One check per corpus entry.")

LINT = _object("kb lint --json", {
    "findings": {"type": "array", "items": {
        "type": "object", "required": ["path", "line", "col", "id", "title", "message"],
        "properties": {
            "path": {"type": "string", "description": "the file, as given or as found under a directory given"},
            "line": {"type": "integer", "minimum": 1},
            "col": {"type": "integer", "minimum": 1, "description": "1-based, in characters"},
            "id": {"type": "string", "description": "the corpus entry whose situation the code shows (KB-<id> in text output)"},
            "title": {"type": "string", "description": "the entry's title"},
            "message": {"type": "string", "description": "what the code does, in its own names and values"},
        },
    }},
}, "The findings of every file linted, in the order of the files and of their lines; empty when none. "
   "Exit 1 when there are findings, 0 when none; bad input is exit 2 with one line per path on stderr.")

SCHEMAS: dict[str, dict[str, Any]] = {
    "ask": ASK, "fix": FIX, "batch-error": BATCH_ERROR, "server-error": SERVER_ERROR, "ping": PING,
    "check-corpus": CHECK_CORPUS, "doctor": DOCTOR_SCHEMA, "checkpoint": CHECKPOINT_SCHEMA, "lint": LINT,
}
