#!/usr/bin/python3
"""Runs a shipped systemd unit's ExecStart under that unit's own sandbox,
applied the way systemd applies it, for hosts where systemd cannot be
started as the service manager of a test.

  unit_sandbox.py UNIT BINARY STATE_DIR ENV_FILE [OLD=NEW ...]

What it reproduces from the unit's [Service] section:
  SystemCallFilter=    every line, in order: the groups expanded with
                       `systemd-analyze syscall-filter` (the same tables
                       systemd compiles), enforced with libseccomp (the
                       library systemd uses), killing the process on any
                       other call, as systemd's default action does;
  SystemCallArchitectures=native   (libseccomp's default: native only);
  ProtectSystem=strict every mount read-only except /dev, /proc, /sys and
                       the StateDirectory=;
  StateDirectory=      STATE_DIR mounted at /var/lib/<name>, writable;
  PrivateTmp=, ProtectHome=   empty /tmp and /var/tmp, no /home or /root;
  User=, UMask=, NoNewPrivileges=, Environment=, EnvironmentFile=;
  ExecStart=           with the binary at the unit's path, and each OLD=NEW
                       argument replaced (a test's free port for the
                       unit's fixed one).

It needs root (for the mount namespace) and python3-seccomp. The unit's
user is taken if it exists, else `nobody`: either way the service runs
unprivileged.
"""

import ctypes
import os
import pwd
import shlex
import subprocess
import sys

import seccomp

CLONE_NEWNS = 0x00020000
MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18

libc = ctypes.CDLL(None, use_errno=True)


def die(msg):
    print(f"unit_sandbox: {msg}", file=sys.stderr)
    sys.exit(2)


def mount(source, target, fstype, flags, data=None):
    if libc.mount(
        source.encode() if source else None,
        target.encode(),
        fstype.encode() if fstype else None,
        ctypes.c_ulong(flags),
        data.encode() if data else None,
    ) != 0:
        die(f"mount {target}: {os.strerror(ctypes.get_errno())}")


def service_section(path):
    """The [Service] keys as (key, value) pairs, in order (keys repeat)."""
    out, section, pending = [], None, ""
    for raw in open(path, encoding="utf-8"):
        line = pending + raw.rstrip("\n")
        pending = ""
        if line.endswith("\\"):
            pending = line[:-1] + " "
            continue
        line = line.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            section = line.strip("[]")
        elif section == "Service" and "=" in line:
            key, value = line.split("=", 1)
            out.append((key.strip(), value.strip()))
    return out


def expand(name, seen=None):
    """A syscall name, or every call of a @group (nested groups too)."""
    if not name.startswith("@"):
        return {name}
    seen = seen if seen is not None else set()
    if name in seen:
        return set()
    seen.add(name)
    text = subprocess.run(
        ["systemd-analyze", "syscall-filter", name], capture_output=True, text=True, check=True
    ).stdout
    calls = set()
    for line in text.splitlines()[1:]:
        line = line.strip()
        if line and not line.startswith("#"):
            calls |= expand(line, seen)
    return calls


def allowed_calls(lines):
    """systemd's rule: the first SystemCallFilter= line decides whether the
    list is an allow list (no `~`) or a deny list; later lines add to it or,
    with `~`, take out of it; an empty assignment resets it."""
    allow, deny, mode = set(), set(), None
    for value in lines:
        if not value:
            allow, deny, mode = set(), set(), None
            continue
        invert = value.startswith("~")
        names = value.lstrip("~").split()
        calls = set().union(*(expand(n) for n in names))
        if mode is None:
            mode = "deny" if invert else "allow"
        if mode == "allow":
            allow = (allow - calls) if invert else (allow | calls)
        else:
            deny = (deny | calls) if invert else (deny - calls)
    return mode, allow, deny


def env_file(path):
    env = {}
    for raw in open(path, encoding="utf-8"):
        line = raw.strip()
        if not line or line[0] in "#;" or "=" not in line:
            continue
        key, value = line.split("=", 1)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        env[key.strip()] = value
    return env


def main():
    if len(sys.argv) < 5:
        die(__doc__.strip().splitlines()[2].strip())
    unit, binary, state_dir, envfile = sys.argv[1:5]
    replace = dict(a.split("=", 1) for a in sys.argv[5:])
    keys = service_section(unit)
    get = lambda k, d=None: next((v for kk, v in reversed(keys) if kk == k), d)

    argv = shlex.split(get("ExecStart"))
    argv = [replace.get(a, a) for a in argv]
    mode, allow, deny = allowed_calls([v for k, v in keys if k == "SystemCallFilter"])
    env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin", "LANG": "C.UTF-8"}
    for k, v in keys:
        if k == "Environment":
            for pair in shlex.split(v):
                name, _, value = pair.partition("=")
                env[name] = value
    env.update(env_file(envfile))

    name = get("User", "root")
    try:
        user = pwd.getpwnam(name)
    except KeyError:
        user = pwd.getpwnam("nobody")
    os.chown(state_dir, user.pw_uid, user.pw_gid)

    if libc.unshare(CLONE_NEWNS) != 0:
        die(f"unshare: {os.strerror(ctypes.get_errno())}")
    mount(None, "/", None, MS_REC | MS_PRIVATE)

    # StateDirectory= and the binary at the unit's path, before /tmp (where
    # both may live) is hidden.
    state = get("StateDirectory")
    if state:
        mount("tmpfs", "/var/lib", "tmpfs", MS_NOSUID | MS_NODEV, "mode=755")
        os.makedirs(f"/var/lib/{state}")
        mount(state_dir, f"/var/lib/{state}", None, MS_BIND)
    exe_dir = os.path.dirname(argv[0])
    mount("tmpfs", exe_dir, "tmpfs", MS_NOSUID | MS_NODEV, "mode=755")
    open(argv[0], "w").close()
    mount(binary, argv[0], None, MS_BIND)

    if get("ProtectSystem") == "strict":
        points = [line.split()[4] for line in open("/proc/self/mountinfo")]
        keep = ("/dev", "/proc", "/sys", f"/var/lib/{state}" if state else None)
        for point in reversed(points):
            point = point.replace("\\040", " ")
            if any(k and (point == k or point.startswith(k + "/")) for k in keep):
                continue
            # Mount points may stack or vanish with their parents: the
            # top one is the one a path resolves to.
            libc.mount(None, point.encode(), None, ctypes.c_ulong(MS_REMOUNT | MS_BIND | MS_RDONLY), None)
        probe = f"/usr/.orderscope-probe-{os.getpid()}"
        try:
            open(probe, "w").close()
            os.unlink(probe)
            die("ProtectSystem=strict: /usr is still writable")
        except OSError:
            pass
    if get("PrivateTmp") == "yes":
        for d in ("/tmp", "/var/tmp"):
            mount("tmpfs", d, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777")
    if get("ProtectHome") == "yes":
        for d in ("/home", "/root", "/run/user"):
            if os.path.isdir(d):
                mount("tmpfs", d, "tmpfs", MS_NOSUID | MS_NODEV | MS_RDONLY, "mode=755")

    os.chdir("/")
    os.setgroups([])
    os.setgid(user.pw_gid)
    os.setuid(user.pw_uid)
    env.setdefault("HOME", user.pw_dir)
    umask = get("UMask")
    if umask:
        os.umask(int(umask, 8))

    if mode is not None:
        if mode == "allow":
            # systemd's own calls to reach the service: exec and what the
            # dynamic loader needs are in @default, which every allow
            # list systemd builds contains.
            allow |= expand("@default")
            f = seccomp.SyscallFilter(defaction=seccomp.KILL_PROCESS)
            calls, action = allow, seccomp.ALLOW
        else:
            f = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
            calls, action = deny, seccomp.KILL_PROCESS
        for call in sorted(calls):
            try:
                f.add_rule(action, call)
            except (RuntimeError, ValueError, OSError):
                pass  # not a call of this architecture; systemd skips it too
        # NoNewPrivileges= (libseccomp sets it before loading, as systemd does).
        f.load()

    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(argv[0], argv, env)


main()
