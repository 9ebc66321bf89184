"""Where the catalog DAG's OpenMetadata sync finds its server and token (catalog/om_settings.py):
nothing configured is a reason to skip, and the token is never part of what is said."""

from catalog.om_settings import from_environment

HOST = "http://openmetadata-server:8585/api"


def test_no_host_is_a_reason_naming_the_variable():
    target, reason = from_environment({"OPENMETADATA_JWT_TOKEN": "eyJ.t.s"})
    assert target is None and "OPENMETADATA_HOST" in reason


def test_the_token_file_is_read_stripped_and_kept_out_of_the_targets_repr(tmp_path):
    path = tmp_path / "token"
    path.write_text("eyJ.file-token.sig\n", encoding="utf-8")
    target, reason = from_environment({"OPENMETADATA_HOST": HOST, "OPENMETADATA_TOKEN_FILE": str(path)})
    assert (target.host, target.token, reason) == (HOST, "eyJ.file-token.sig", "")
    assert "file-token" not in repr(target)


def test_an_empty_or_missing_token_file_is_a_reason_naming_the_file(tmp_path):
    empty = tmp_path / "token"
    empty.write_text("\n", encoding="utf-8")
    for path in (empty, tmp_path / "absent"):
        target, reason = from_environment({"OPENMETADATA_HOST": HOST, "OPENMETADATA_TOKEN_FILE": str(path)})
        assert target is None and str(path) in reason


def test_without_a_file_the_token_comes_from_the_environment():
    target, _ = from_environment({"OPENMETADATA_HOST": HOST, "OPENMETADATA_JWT_TOKEN": "eyJ.env-token.sig"})
    assert target.token == "eyJ.env-token.sig"
