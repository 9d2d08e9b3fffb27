"""The API's documented request rules, checked before anything is sent.

One module per API group, named like its ``blaaiz_async.routes`` module (``customers``,
``collections``, ``banks``...), holds that group's rules as pure functions of a request
body; ``base`` holds what they share: the patterns (ISO-2 and alpha-3 countries,
currency codes, email addresses, dates, phone numbers), the messages, the path-parameter
check and ``request_body()``, which builds a body from its ``TypedDict`` declaration in
``blaaiz_async.models``. Nothing here does I/O, so the sandbox can apply the same rules.
"""
