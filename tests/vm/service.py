#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
'''Starts kneed as the installed systemd/kneed.service would, by hand
(scenario 6, docs/testing.md): ExecStart=, User=, Group= and
SupplementaryGroups= read from the installed unit, a notify socket in
$NOTIFY_SOCKET and $WATCHDOG_USEC from WatchdogSec=, as systemd sets them
for Type=notify.  Waits for READY=1, then stays as the "service manager"
until SIGTERM: it stops kneed with SIGTERM (as systemctl stop does) and
exits with kneed's status.  The notifications go to NOTIFY_LOG.

    service.py UNIT_FILE NOTIFY_LOG KNEED_LOG'''

import grp
import os
import pwd
import signal
import socket
import subprocess
import sys
import time


def unit_settings(path):
    s = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if '=' in line and not line.startswith('#'):
                k, v = line.split('=', 1)
                s.setdefault(k, []).append(v)
    return s


def main():
    unit, notify_log, kneed_log = sys.argv[1:4]
    s = unit_settings(unit)
    assert s['Type'] == ['notify'], s['Type']
    user = pwd.getpwnam(s['User'][0])
    group = grp.getgrnam(s['Group'][0])
    groups = [grp.getgrnam(g).gr_gid for g in ' '.join(s.get('SupplementaryGroups', [])).split()]
    watchdog_s = float(s['WatchdogSec'][0].rstrip('s'))
    sock_path = '/run/kneed-vm/notify.sock'
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    if os.path.exists(sock_path):
        os.unlink(sock_path)
    sock.bind(sock_path)
    os.chmod(sock_path, 0o777)   # the service's user sends to it, as to systemd's
    # StateDirectory=kneed
    state = '/var/lib/kneed'
    os.makedirs(state, mode=0o700, exist_ok=True)
    os.chown(state, user.pw_uid, group.gr_gid)
    env = {'PATH': '/usr/sbin:/usr/bin:/sbin:/bin', 'LANG': 'C.UTF-8',
           'NOTIFY_SOCKET': sock_path, 'WATCHDOG_USEC': str(int(watchdog_s * 1e6)),
           'STATE_DIRECTORY': state, 'HOME': state}

    def drop():
        os.setgroups(groups)
        os.setgid(group.gr_gid)
        os.setuid(user.pw_uid)
        os.umask(0o077)
    argv = s['ExecStart'][0].split()
    with open(kneed_log, 'ab') as log:
        t0 = time.monotonic()
        proc = subprocess.Popen(argv, env=env, preexec_fn=drop, stdout=log,
                                stderr=subprocess.STDOUT)
    # The watchdog pid check: systemd checks the sender; we record it.
    out = open(notify_log, 'a', buffering=1)
    out.write(f'started {argv} as {user.pw_name}:{group.gr_name} groups {groups} pid {proc.pid}\n')
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    sock.settimeout(0.2)
    ready = False
    while not stop:
        if proc.poll() is not None:
            out.write(f'kneed exited with {proc.returncode}\n')
            return 1
        try:
            msg = sock.recv(4096).decode()
        except socket.timeout:
            continue
        except InterruptedError:
            continue
        for line in msg.split('\n'):
            out.write(f'{time.monotonic() - t0:7.3f} {line}\n')
            if line == 'READY=1' and not ready:
                ready = True
                with open(notify_log + '.ready', 'w') as f:
                    f.write(f'{time.monotonic() - t0:.3f}\n')
    proc.send_signal(signal.SIGTERM)
    try:
        rc = proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        rc = 'killed'
    out.write(f'stopped: kneed exit {rc}\n')
    return 0 if rc == 0 else 1


if __name__ == '__main__':
    sys.exit(main())
