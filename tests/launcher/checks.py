"""What every launcher test script reports failures with: Failure, and check(), which adds the
exit status and both output streams of a finished subprocess.run() to the message."""


class Failure(Exception):
    pass


def check(cond, what, result=None):
    if not cond:
        detail = ""
        if result is not None:
            detail = (f"\n--- exit status: {result.returncode}\n--- stdout:\n{result.stdout}"
                      f"\n--- stderr:\n{result.stderr}")
        raise Failure(what + detail)
