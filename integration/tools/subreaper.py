#!/usr/bin/env python3
"""Runs a command as a child subreaper (like containerd's shim and conmon)
and prints JSON: the command's exit code and, for a pid file it names, the
parent of that pid after the command exited. Then it reaps that process
when told (stdin closed) so nothing is left behind.

usage: subreaper.py PIDFILE -- COMMAND ARGS..."""
import ctypes
import json
import os
import subprocess
import sys

PR_SET_CHILD_SUBREAPER = 36
libc = ctypes.CDLL(None, use_errno=True)
if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
    sys.exit("prctl failed")
pidfile = sys.argv[1]
command = sys.argv[sys.argv.index("--") + 1:]
code = subprocess.run(command).returncode
result = {"exit": code, "me": os.getpid()}
try:
    pid = int(open(pidfile).read())
    with open(f"/proc/{pid}/stat") as f:
        result["pid"] = pid
        result["ppid"] = int(f.read().rsplit(")", 1)[1].split()[1])
except (OSError, ValueError) as error:
    result["error"] = str(error)
print(json.dumps(result), flush=True)
sys.stdin.read()
# Reap whatever was re-parented to us (the container init after it is killed).
while True:
    try:
        pid, _ = os.waitpid(-1, 0)
    except ChildProcessError:
        break
