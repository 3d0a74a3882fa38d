import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_rate, env_str


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("true", True),
        ("1", True),
        (" YES ", True),
        ("on", True),
        ("false", False),
        ("0", False),
        ("no", False),
        ("off", False),
        ("", False),
    ],
)
def test_it_reads_a_boolean(monkeypatch, raw, expected):
    monkeypatch.setenv("CRM_TEST_FLAG", raw)

    assert env_bool("CRM_TEST_FLAG", default=not expected) is expected


def test_it_falls_back_to_the_default_when_a_setting_is_absent(monkeypatch):
    monkeypatch.delenv("CRM_TEST_VALUE", raising=False)

    assert env_bool("CRM_TEST_VALUE", default=True) is True
    assert env_int("CRM_TEST_VALUE", 42) == 42
    assert env_str("CRM_TEST_VALUE", "fallback") == "fallback"
    assert env_list("CRM_TEST_VALUE", ["a"]) == ["a"]
    assert env_rate("CRM_TEST_VALUE", "60/minute") == "60/minute"


@pytest.mark.parametrize("raw", ["maybe", "treu", "2"])
def test_it_refuses_a_boolean_it_cannot_read(monkeypatch, raw):
    monkeypatch.setenv("CRM_TEST_FLAG", raw)

    with pytest.raises(ImproperlyConfigured, match=f"CRM_TEST_FLAG='{raw}' is not a boolean"):
        env_bool("CRM_TEST_FLAG")


def test_it_reads_a_whole_number(monkeypatch):
    monkeypatch.setenv("CRM_TEST_NUMBER", " 587 ")

    assert env_int("CRM_TEST_NUMBER", 25) == 587


@pytest.mark.parametrize("raw", ["twenty", "2.5", "1e3"])
def test_it_refuses_a_number_it_cannot_read(monkeypatch, raw):
    monkeypatch.setenv("CRM_TEST_NUMBER", raw)

    with pytest.raises(ImproperlyConfigured, match="is not a whole number"):
        env_int("CRM_TEST_NUMBER", 25)


@pytest.mark.parametrize("raw", ["10/second", "60/minute", "1000/hour", "5000/day", "3/m"])
def test_it_reads_a_throttle_rate(monkeypatch, raw):
    monkeypatch.setenv("CRM_TEST_RATE", raw)

    assert env_rate("CRM_TEST_RATE", "60/minute") == raw


@pytest.mark.parametrize("raw", ["sixty/minute", "60", "60/", "60/fortnight", "/minute", "-1/day"])
def test_it_refuses_a_throttle_rate_it_cannot_read(monkeypatch, raw):
    monkeypatch.setenv("CRM_TEST_RATE", raw)

    with pytest.raises(ImproperlyConfigured, match="is not a throttle rate"):
        env_rate("CRM_TEST_RATE", "60/minute")


def test_it_splits_a_list_dropping_blanks(monkeypatch):
    monkeypatch.setenv("CRM_TEST_HOSTS", " crm.example.org, ,www.example.org ,")

    assert env_list("CRM_TEST_HOSTS") == ["crm.example.org", "www.example.org"]


def test_it_reads_a_secret_from_the_file_named_by_NAME_FILE(monkeypatch, tmp_path):
    secret = tmp_path / "stripe_key"
    secret.write_text("sk_test_from_file\n")
    monkeypatch.setenv("CRM_TEST_SECRET", "from the environment")
    monkeypatch.setenv("CRM_TEST_SECRET_FILE", str(secret))

    # The file wins, without its trailing newline.
    assert env_str("CRM_TEST_SECRET") == "sk_test_from_file"


def test_it_reads_typed_values_from_files_too(monkeypatch, tmp_path):
    (tmp_path / "port").write_text("2525")
    (tmp_path / "flag").write_text("nope")
    monkeypatch.setenv("CRM_TEST_PORT_FILE", str(tmp_path / "port"))
    monkeypatch.setenv("CRM_TEST_FLAG_FILE", str(tmp_path / "flag"))

    assert env_int("CRM_TEST_PORT", 25) == 2525
    with pytest.raises(ImproperlyConfigured, match="is not a boolean"):
        env_bool("CRM_TEST_FLAG")


def test_it_fails_loudly_when_the_secret_file_cannot_be_read(monkeypatch, tmp_path):
    missing = tmp_path / "nowhere"
    monkeypatch.setenv("CRM_TEST_SECRET_FILE", str(missing))

    with pytest.raises(ImproperlyConfigured, match=f"CRM_TEST_SECRET_FILE='{missing}' cannot"):
        env_str("CRM_TEST_SECRET")
