"""What the grader's JSON holds of text a submission controls: strict, valid UTF-8, storable."""

import json

from grader.jsonio import dumps


def test_a_printed_nul_is_written_as_visible_text_that_any_store_takes():
    """PostgreSQL, behind Gradescope and PrairieLearn, refuses NUL in text and JSON values (the JSON
    escape \\u0000 included): a submission that prints one must not make its results unstorable."""
    text = dumps({"tests": [{"output": "printed NUL\x00here"}], "name\x00": 1})
    assert "\\u0000" not in text and "\x00" not in text
    assert json.loads(text) == {"tests": [{"output": "printed NUL\\x00here"}], "name\\x00": 1}


def test_undecodable_bytes_of_a_name_are_shown_as_escapes():
    assert json.loads(dumps({"student": "caf\udce9"})) == {"student": "caf\\xe9"}
