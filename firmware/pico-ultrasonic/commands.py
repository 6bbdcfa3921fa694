# Commands from Hearth: `hearth/<id>/cmd/<key>` with {"id": "<cmd id>", "value": ...},
# answered on `.../cmd/<key>/ack`. `handlers` maps a key to a function that
# applies the value and returns the value now in effect, or raises ValueError
# with a message for the user.
import json

import payloads


def answer(key, raw, handlers):
    """The ack for one command (a dict), or None when it carries no id to answer to."""
    try:
        command = json.loads(raw)
    except ValueError:
        print("cmd/{}: not JSON, ignored: {}".format(key, raw[:60]))
        return None
    command_id = command.get("id") if isinstance(command, dict) else None
    if not isinstance(command_id, str):
        print("cmd/{}: no \"id\" to acknowledge, ignored".format(key))
        return None
    handler = handlers.get(key)
    if handler is None:
        return payloads.ack(command_id, error="unknown command \"{}\" (this device takes: {})".format(key, ", ".join(sorted(handlers))))
    if "value" not in command:
        return payloads.ack(command_id, error="no \"value\" in the command")
    try:
        return payloads.ack(command_id, value=handler(command["value"]))
    except ValueError as error:
        return payloads.ack(command_id, error=str(error))
