"""Sending a campaign: launching it, the batches that send it, and recovery after a crash.

A message is never lost; a worker killed in the middle of one message may send that one
message again, with the same Message-ID. The delivery rows are the truth (one per recipient,
unique, claimed before sending); a task is only a reason to look at them. The order of one
message's steps, and why it gives that guarantee, is in batch.py.

From what marketers and beat call down to the wire:
- lifecycle: launch, start, start_due, pause, resume, cancel.
- beat: the periodic tasks: start due campaigns, give back the rows of dead workers.
- requeue: requeue_stale, how those rows come back.
- progress: a campaign's progress figures.
- tasks: the send_batch task, and dispatch(), which enqueues a campaign's batches.
- batch: run_batch, one batch: claim, check again, send, settle each row.
- claims: claiming rows, giving them back, finishing a campaign with nothing left.
- mark: one message's transaction (the row marked, consent re-checked under a lock).
- smtp, transport: the email transport (SMTP, pipelined) and the SMS one.
- ratelimit: messages per second per channel across all workers.
"""
