"""A child process for test_commit_together: one message through the sending code's own
transaction and SMTP hand-over, killed with SIGKILL just before or just after the system call
that arms the database's COMMIT and the message's "." together.

    python -m tests.reliability.killed_at_commit CUSTOMER_ID before|after|never
"""

import os
import signal
import sys

import django


def main(customer_id: int, when: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.core.mail import EmailMessage

    from campaigns import sending, uring
    from segmentation.customers.models import Customer

    ring = uring.for_this_process()
    set_options = ring.setsockopts

    def killed_around(calls: list) -> list[int]:
        arming = len({fd for fd, *_ in calls}) == 2  # the call on both sockets, not the hold
        if arming and when == "before":  # COMMIT and "." are held, neither socket armed
            os.kill(os.getpid(), signal.SIGKILL)
        results = set_options(calls)
        if arming and when == "after":
            os.kill(os.getpid(), signal.SIGKILL)
        return results

    ring.setsockopts = killed_around
    address = Customer.objects.get(pk=customer_id).email
    message = EmailMessage("Spring", "Hi", "news@shop.example.com", [address])
    transport = sending.EmailTransport()
    with sending._Unit() as unit:
        sql = "UPDATE segmentation_customer SET first_name = 'sent' WHERE id = %s"
        assert unit.begin(sql, [customer_id])
        result = transport.send(sending._email(message), unit.commit)
    transport.close()
    print(result.outcome)


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2])
