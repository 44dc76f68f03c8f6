"""The user's own Python environment: which interpreter runs their code, and what is wrong with it.

- interpreter.resolve(): the interpreter every run of code uses (--python, KB_PYTHON, the active
  virtualenv or conda environment, python3 on PATH with torch, else kb's own);
- doctor.run_doctor(): `kb doctor`, a probe of that interpreter in the sandbox plus facts of the
  machine, turned into findings that name the entry explaining each problem and the fix to run;
- missing.missing_package(): a run that failed only because a package is not installed there.
"""

from assistant.environment.doctor import run_doctor
from assistant.environment.interpreter import Interpreter, InterpreterError, resolve
from assistant.environment.missing import missing_package, missing_package_note
from assistant.environment.report import DOCTOR_SCHEMA, DoctorReport

__all__ = ["DOCTOR_SCHEMA", "DoctorReport", "Interpreter", "InterpreterError", "missing_package",
           "missing_package_note", "resolve", "run_doctor"]
