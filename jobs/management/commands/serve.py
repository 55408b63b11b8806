"""``python manage.py serve [--host H] [--port P]``: the web server and a django-q2 cluster together.

For `make run` and small installations: starts ``runserver`` and ``qcluster`` as child
processes and stops both when either ends or on Ctrl-C / SIGTERM.
"""

import os
import signal
import subprocess
import sys

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the web server and a django-q2 worker cluster together; Ctrl-C stops both."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", default="8000")

    def handle(self, *args, host, port, **options):
        manage = [sys.executable, sys.argv[0]]
        children = [
            subprocess.Popen([*manage, "qcluster"]),
            subprocess.Popen([*manage, "runserver", f"{host}:{port}", "--noreload"]),
        ]
        signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
        self.stdout.write(f"Serving http://{host}:{port}/admin/ with a django-q2 worker; Ctrl-C stops both.")
        try:
            os.wait()  # until either child ends
        except (KeyboardInterrupt, ChildProcessError):
            pass
        finally:
            for child in children:
                if child.poll() is None:
                    child.terminate()
            for child in children:
                try:
                    child.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    child.kill()
        self.stdout.write("Stopped the web server and the worker.")
