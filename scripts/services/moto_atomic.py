"""moto_server with S3's conditional writes made atomic.

moto checks If-Match / If-None-Match and then stores the object without a lock,
on a threaded server, so two concurrent writers holding the same ETag can both
get 200 and one update is silently lost. Real S3 lets exactly one of them win.
One process-wide lock around object writes and deletes restores that, which is
what maestro's S3-state tests rely on. Usage: same arguments as moto_server.
"""
import sys
import threading

from moto.s3.responses import S3Response

_lock = threading.Lock()


def _atomic(method):
    def wrapped(self, *args, **kwargs):
        with _lock:
            return method(self, *args, **kwargs)

    wrapped.__name__ = method.__name__
    return wrapped


for name in ("put_object", "copy_object", "delete_object", "complete_multipart_upload"):
    if hasattr(S3Response, name):
        setattr(S3Response, name, _atomic(getattr(S3Response, name)))

from moto.server import main  # noqa: E402

main(sys.argv[1:])
