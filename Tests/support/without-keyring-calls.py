#!/usr/bin/env python3
"""Run a command with add_key, request_key and keyctl failing with EPERM, as under Docker's
default seccomp profile. x86_64 only.

usage: without-keyring-calls.py PROGRAM [ARGUMENT...]
"""

import ctypes
import os
import platform
import struct
import sys

AUDIT_ARCH_X86_64 = 0xC000003E
BLOCKED_CALLS = (248, 249, 250)  # add_key, request_key, keyctl on x86_64
PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2
SECCOMP_RET_ALLOW = 0x7FFF0000
SECCOMP_RET_ERRNO = 0x00050000
EPERM = 1

LOAD_WORD = 0x20    # BPF_LD | BPF_W | BPF_ABS
JUMP_EQUAL = 0x15   # BPF_JMP | BPF_JEQ | BPF_K
RETURN = 0x06       # BPF_RET | BPF_K


def instruction(code, jump_true, jump_false, value):
    return struct.pack("HBBI", code, jump_true, jump_false, value)


def filter_program():
    """Allow everything on another architecture; fail the keyring calls with EPERM."""
    calls = len(BLOCKED_CALLS)
    program = [
        instruction(LOAD_WORD, 0, 0, 4),                      # seccomp_data.arch
        instruction(JUMP_EQUAL, 1, 0, AUDIT_ARCH_X86_64),
        instruction(RETURN, 0, 0, SECCOMP_RET_ALLOW),
        instruction(LOAD_WORD, 0, 0, 0),                      # seccomp_data.nr
    ]
    for index, number in enumerate(BLOCKED_CALLS):
        program.append(instruction(JUMP_EQUAL, calls - index, 0, number))
    program.append(instruction(RETURN, 0, 0, SECCOMP_RET_ALLOW))
    program.append(instruction(RETURN, 0, 0, SECCOMP_RET_ERRNO | EPERM))
    return b"".join(program)


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: without-keyring-calls.py PROGRAM [ARGUMENT...]")
    if platform.machine() != "x86_64":
        sys.exit(f"without-keyring-calls.py: this filter knows the x86_64 call numbers only, not {platform.machine()}")

    libc = ctypes.CDLL(None, use_errno=True)
    code = filter_program()
    buffer = ctypes.create_string_buffer(code, len(code))
    # struct sock_fprog { unsigned short len; struct sock_filter *filter; }
    fprog = struct.pack("HxxxxxxP", len(code) // 8, ctypes.addressof(buffer))
    fprog_buffer = ctypes.create_string_buffer(fprog, len(fprog))
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        sys.exit(f"without-keyring-calls.py: PR_SET_NO_NEW_PRIVS failed: {os.strerror(ctypes.get_errno())}")
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, fprog_buffer, 0, 0) != 0:
        sys.exit(f"without-keyring-calls.py: PR_SET_SECCOMP failed: {os.strerror(ctypes.get_errno())}")
    os.execv(sys.argv[1], sys.argv[1:])


if __name__ == "__main__":
    main()
