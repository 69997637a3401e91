"""Every command-line failure is one line that names the problem and the fix, never a traceback."""

from __future__ import annotations

import argparse
import socket
from pathlib import Path

import pytest

from feedsum import cli
from feedsum.fake_slack import FakeSlack


def run(argv, capsys, monkeypatch=None, env=None):
    if monkeypatch is not None:
        for k, v in (env or {}).items():
            monkeypatch.setenv(k, v)
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def one_line(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip().startswith("feedsum ")


def test_every_option_has_help():
    parser = cli.build_parser()
    missing = []

    def walk(p: argparse.ArgumentParser, prefix: str):
        for action in p._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    walk(sub, f"{prefix} {name}")
            elif not action.help:
                missing.append(f"{prefix} {'/'.join(action.option_strings) or action.dest}")

    walk(parser, "feedsum")
    assert not missing


def test_metrics_on_a_folder_reads_the_exports_inside(tmp_path, capsys):
    (tmp_path / "a.csv").write_text("date,impressions,clicks,spend\n2026-11-01,1000,10,20\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not an export", encoding="utf-8")
    code, out, err = run(["metrics", str(tmp_path), "--json"], capsys)
    assert code == 0, err
    assert '"2026-11"' in out


def test_metrics_on_an_empty_folder_says_so(tmp_path, capsys):
    code, _, err = run(["metrics", str(tmp_path)], capsys)
    assert code == 2
    line = one_line(err)
    assert str(tmp_path) in line and "no" in line.lower() and ".csv" in line


def test_metrics_on_a_missing_file(tmp_path, capsys):
    code, _, err = run(["metrics", str(tmp_path / "nope.csv")], capsys)
    assert code == 2
    assert "nope.csv" in one_line(err)


def test_tick_with_a_bad_instant(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = run(["tick", "--now", "bogus"], capsys)
    assert code == 2
    line = one_line(err)
    assert "--now" in line and "bogus" in line and "+08:00" in line


def test_demo_into_an_unwritable_place(tmp_path, capsys):
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    code, _, err = run(["demo", "--out", str(blocker / "out")], capsys)
    assert code == 2
    line = one_line(err)
    assert "--out" in line and str(blocker / "out") in line


def test_check_without_a_file_says_where_it_looked_and_how_to_start(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = run(["check"], capsys)
    assert code == 2
    assert "Traceback" not in err
    assert str(tmp_path / "feedsum.toml") in err and "FEEDSUM_CONFIG" in err
    assert "[[reports]]" in err and 'channel = "C' in err  # a minimal file to start from


def test_check_reports_a_bad_key_in_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "feedsum.toml").write_text('[[reports]]\nid = "x"\nname = "X"\nchannel = "#ads"\nadmins = ["U0A"]\n')
    code, _, err = run(["check"], capsys)
    assert code == 2
    assert "reports[0].channel" in one_line(err)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_slack_unreachable_at_start(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    base = f"http://127.0.0.1:{_closed_port()}/api/"
    code, _, err = run(["tick"], capsys, monkeypatch, {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_API_BASE_URL": base})
    assert code == 2
    line = one_line(err)
    assert base in line and "SLACK_API_BASE_URL" in line


def test_a_bad_bot_token(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with FakeSlack() as fake:
        fake.faults.bad_tokens.add("xoxb-revoked")
        code, _, err = run(["tick"], capsys, monkeypatch,
                           {"SLACK_BOT_TOKEN": "xoxb-revoked", "SLACK_API_BASE_URL": fake.api_url})
    assert code == 2
    line = one_line(err)
    assert "SLACK_BOT_TOKEN" in line and "invalid_auth" in line and "xoxb-" in line


def test_a_bot_token_given_as_the_app_token(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with FakeSlack() as fake:
        code, _, err = run(["run"], capsys, monkeypatch,
                           {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xoxb-1", "SLACK_API_BASE_URL": fake.api_url})
    assert code == 2
    line = one_line(err)
    assert "SLACK_APP_TOKEN" in line and "not_allowed_token_type" in line and "xapp-" in line


def test_an_unexpected_failure_is_one_line_with_the_details_kept(tmp_path, capsys, monkeypatch):
    def boom(settings, args):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(cli, "check", boom)
    code, _, err = run(["check"], capsys)
    assert code == 1
    line = one_line(err)
    assert "disk on fire" in line
    path = line.rsplit(" ", 1)[-1].rstrip(")")
    assert "Traceback" in Path(path).read_text(encoding="utf-8")


def test_a_port_in_use(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with FakeSlack() as fake, socket.socket() as busy:
        busy.bind(("0.0.0.0", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, _, err = run(["run", "--no-scheduler", "--port", str(port)], capsys, monkeypatch,
                           {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "SLACK_API_BASE_URL": fake.api_url})
    assert code == 2
    line = one_line(err)
    assert str(port) in line and "--port" in line
