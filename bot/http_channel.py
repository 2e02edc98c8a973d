"""`WorkerWrittenChannel`: waitress's connection, minus the I/O loop's spin while a worker writes.

waitress's worker threads send a response themselves: `write_soon` appends the bytes to the
connection's output and flushes them in the worker's own thread, holding the connection's output
lock. For as long as there are bytes in that output, waitress's I/O loop counts the socket as
writable, so a select on it returns at once; the loop then tries the lock without waiting,
finds it taken and goes round again. The worker gives up Python's GIL for the `send` call and
waits to get it back afterwards, behind every other thread that has Python to run. At a deadline
rush, whose request threads give the GIL up at every database statement, that wait is long, and
the loop spent it spinning: measured from outside, 0.5 to 1.0 ms of the bot's CPU per submission
in its I/O loop thread against 0.2 to 0.3 ms with this channel, on a 2-core machine where CPU is what
the acknowledgements queue for (`benchmarks/answer_rush.py`).

So while a worker holds the lock, the loop does not watch the socket for writing: the worker
is flushing. Bytes it could not send (a client reading slowly) go with its next write, or at the
end of the request, where waitress wakes the loop (`pull_trigger`) with the lock free and the
loop takes over as before. Two cases stay as waitress has them:

* output over the high watermark: the worker waits for the loop to drain it (it wakes the loop
  and waits on the lock's condition, releasing the lock), so the loop must keep looking;
* a connection about to close: the loop closes it once the output is gone.
"""

from __future__ import annotations

from waitress.channel import HTTPChannel


class WorkerWrittenChannel(HTTPChannel):
    def writable(self) -> bool:
        # The loop asks every connection at every turn, and at a rush most have a request
        # waiting for a thread and nothing to send: those are answered by waitress's own check,
        # without looking at the lock.
        if not super().writable():
            return False
        if self.will_close or self.close_when_flushed:
            return True
        return not (self.requests and self._worker_is_writing())

    def _worker_is_writing(self) -> bool:
        """A worker holds the output lock with less than the high watermark pending."""
        if self.total_outbufs_len > self.adj.outbuf_high_watermark:
            return False  # the worker is, or soon will be, waiting for the loop to drain it
        if self.outbuf_lock.acquire(blocking=False):
            self.outbuf_lock.release()
            return False
        return True
