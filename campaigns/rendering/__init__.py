"""Message content: templates run in a sandbox over plain values, checked before launch,
rendered per recipient with tracked links and a footer no template can hide.

- sandbox: the isolated template engine (a few safe tags and filters, nothing else).
- context: what a template sees, and the variables other apps fill (provide_variable).
- checks: check_variant, the problems that stop content from being sent.
- compiled: compile_variant and render, one message for one customer.
- tracked_links, footer: the links rewritten for tracking; the opt-out footer.
- mail: build_email, the email with its List-Unsubscribe and Message-ID headers.
- sms_length: how many characters and parts a text message takes.
"""
