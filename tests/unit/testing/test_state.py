"""The in-memory store: runs, ownership, groups, uploads; deterministic and thread-safe."""

from __future__ import annotations

import threading

import pytest
from testerarmy.testing._lifecycle import Phase, Planner, SimClock
from testerarmy.testing._outcomes import Outcome
from testerarmy.testing._state import Conflict, Invalid, NotFound, Store, fingerprint


def make_store(seed: int = 0) -> Store:
    planner = Planner(seed=seed, queue_seconds=1, run_seconds=10, jitter=0)
    return Store(clock=SimClock(0), planner=planner)


def run(store: Store, prompt: str = "p", owner: str = "a", **kw):
    return store.create_run(owner=owner, prompt=prompt, input={"prompt": prompt}, **kw)


def test_fingerprint_hides_the_key():
    fp = fingerprint("sk_test_secret")
    assert len(fp) == 16
    assert "secret" not in fp
    assert fp == fingerprint("sk_test_secret") != fingerprint("sk_test_other")


def test_ids_are_deterministic_for_a_seed():
    a, b, c = make_store(1), make_store(1), make_store(2)
    assert [run(a).id for _ in range(3)] == [run(b).id for _ in range(3)]
    assert run(a).id != run(c).id


def test_run_progresses_with_the_clock():
    store = make_store()
    r = run(store)
    assert store.snapshot(r.id).status is Phase.QUEUED
    store.clock.advance(1)
    assert store.snapshot(r.id).status is Phase.RUNNING
    store.clock.advance(10)
    assert store.snapshot(r.id).status is Phase.COMPLETED


def test_other_owners_cannot_see_a_run():
    store = make_store()
    r = run(store, owner="a")
    with pytest.raises(NotFound):
        store.snapshot(r.id, owner="b")
    assert store.snapshot(r.id.upper(), owner="a").id == r.id
    assert [s.id for s in store.snapshots(owner="b")] == []


def test_snapshots_newest_first_and_filtered():
    store = make_store()
    first = run(store)
    store.clock.advance(5)
    second = run(store)
    assert [s.id for s in store.snapshots()] == [second.id, first.id]
    assert [s.id for s in store.snapshots(status=Phase.RUNNING)] == [first.id]


def test_cancel_and_cancel_again():
    store = make_store()
    r = run(store)
    assert store.cancel_run(r.id, "a").status is Phase.CANCELLED
    with pytest.raises(Conflict, match="already cancelled"):
        store.cancel_run(r.id, "a")


def test_force_complete_and_fail():
    store = make_store()
    r1, r2 = run(store, "[sim:hang]"), run(store)
    done = store.force(r1.id, outcome=Outcome.FAIL)
    assert done.status is Phase.COMPLETED
    assert done.timeline.outcome is Outcome.FAIL
    failed = store.force(r2.id, outcome=Outcome.ERROR, error={"code": "X"})
    assert failed.status is Phase.FAILED
    with pytest.raises(Conflict):
        store.force(r2.id, start=True)


def test_bad_markers_are_invalid_input_naming_the_field():
    store = make_store()
    with pytest.raises(Invalid, match=r"^prompt: unknown simulator marker"):
        run(store, "[sim:boom]")


def seed_group(store: Store, run_mode: str = "concurrent", prep: bool = False):
    tests = [store.add_test(f"t{i}", f"prompt {i}") for i in range(3)]
    disabled = store.add_test("off", "x", enabled=False)
    prep_test = store.add_test("login", "log in") if prep else None
    group = store.add_group(
        "g",
        [t.id for t in tests] + [disabled.id],
        owner="a",
        run_mode=run_mode,
        prep_test_id=prep_test.id if prep_test else None,
    )
    return group, tests, prep_test


def make_run_for(store: Store):
    def make(test, after, batch_id):
        return store.create_run(
            owner="a",
            prompt=test.prompt,
            input={},
            test_id=test.id,
            after=after,
            batch_id=batch_id,
            project_id=test.project_id,
        )

    return make


def test_group_trigger_skips_disabled_tests_and_records_the_batch():
    store = make_store()
    group, tests, _ = seed_group(store)
    batch1, runs1 = store.trigger_group(group, owner="a", make_run=make_run_for(store))
    assert [r.test_id for r in runs1] == [t.id for t in tests]
    assert store.batch(batch1.id, "a").run_ids == [r.id for r in runs1]
    batch2, _ = store.trigger_group(group, owner="a", make_run=make_run_for(store))
    assert batch1.id != batch2.id
    # A new batch leaves the earlier one alone (its queued runs are not superseded).
    assert all(store.snapshot(r.id).status is Phase.QUEUED for r in runs1)
    with pytest.raises(NotFound):
        store.batch(batch1.id, "someone else")


def test_batch_cancel_is_idempotent_and_rerun_skips_disabled_and_deleted_tests():
    store = make_store()
    group, tests, _ = seed_group(store)
    batch, runs = store.trigger_group(group, owner="a", make_run=make_run_for(store))
    store.clock.advance(2)  # running now
    _, cancelled, finished = store.cancel_batch(batch.id, "a")
    assert (sorted(cancelled), finished) == (sorted(r.id for r in runs), [])
    _, cancelled, finished = store.cancel_batch(batch.id, "a")
    assert (cancelled, sorted(finished)) == ([], sorted(r.id for r in runs))
    store.update_test(tests[0].id, {"enabled": False})
    store.delete_test(tests[1].id)
    source, again, new_runs, skipped = store.rerun_batch(batch.id, "a", make_run_for(store))
    assert source is batch
    assert again.id != batch.id
    assert [r.test_id for r in new_runs] == [tests[2].id]
    assert skipped == [tests[0].id, tests[1].id]
    store.update_test(tests[2].id, {"enabled": False})
    with pytest.raises(Conflict, match="none of its tests is runnable"):
        store.rerun_batch(batch.id, "a", make_run_for(store))


def test_sequential_group_with_prep_test_chains_runs():
    store = make_store()
    group, _, prep = seed_group(store, run_mode="sequential", prep=True)
    _, runs = store.trigger_group(group, owner="a", make_run=make_run_for(store))
    assert runs[0].test_id == prep.id
    assert [r.after for r in runs] == [None] + [r.id for r in runs[:-1]]
    store.clock.advance(11)  # prep done at 11
    assert [store.snapshot(r.id).status for r in runs] == [
        Phase.COMPLETED,
        Phase.RUNNING,
        Phase.QUEUED,
        Phase.QUEUED,
    ]


def test_concurrent_group_with_prep_waits_for_prep_only():
    store = make_store()
    group, _, _ = seed_group(store, prep=True)
    _, runs = store.trigger_group(group, owner="a", make_run=make_run_for(store))
    assert [r.after for r in runs[1:]] == [runs[0].id] * 3


def test_empty_group_cannot_be_triggered():
    store = make_store()
    group = store.add_group("empty", [], owner="a")
    with pytest.raises(Invalid, match="no enabled tests"):
        store.trigger_group(group, owner="a", make_run=make_run_for(store))


def test_deleting_a_test_removes_it_from_groups():
    store = make_store()
    group, tests, _ = seed_group(store)
    store.delete_test(tests[0].id)
    assert tests[0].id not in store.group(group.id).test_ids
    with pytest.raises(NotFound):
        store.test(tests[0].id)


def test_update_group_checks_the_prep_test_and_makes_it_a_member():
    store = make_store()
    group, _tests, _ = seed_group(store)
    with pytest.raises(Invalid, match=r"prepTestId: Test .* not found"):
        store.update_group(group.id, {"prepTestId": "00000000-0000-4000-8000-000000000000"})
    other = store.add_project("other")
    foreign = store.add_test("foreign", "x", project_id=other.id)
    with pytest.raises(Invalid, match="another project"):
        store.update_group(group.id, {"prepTestId": foreign.id})
    login = store.add_test("login", "log in")
    updated = store.update_group(group.id, {"runMode": "sequential", "prepTestId": login.id.upper()})
    assert (updated.run_mode, updated.prep_test_id, updated.test_ids[0]) == ("sequential", login.id, login.id)
    _, removed = store.remove_member(group.id, login.id)
    assert removed
    assert store.group(group.id).prep_test_id is None  # documented: removal clears prepTestId
    assert store.remove_member(group.id, login.id)[1] is False


def test_default_group_gets_every_new_test_and_cannot_be_deleted():
    store = make_store()
    project = store.add_project("p")
    default = store.default_group(project.id)
    test = store.add_test("t", "x", project_id=project.id)
    assert test.id in default.test_ids
    assert default.is_default
    with pytest.raises(Invalid, match="default group"):
        store.delete_group(default.id)


def test_group_limit_per_project_counts_the_default_group():
    store = make_store()
    project = store.add_project("p")
    for n in range(store.limits.groups_per_project - 1):
        store.create_group({"projectId": project.id, "name": f"g{n}"}, owner="a")
    with pytest.raises(Invalid, match="Group limit reached"):
        store.create_group({"projectId": project.id, "name": "one too many"}, owner="a")


def test_deleting_a_project_cascades():
    store = make_store()
    project = store.add_project("p")
    keep = store.add_project("keep")
    test = store.add_test("t", "x", project_id=project.id)
    kept = store.add_test("k", "x", project_id=keep.id)
    store.create_group({"projectId": project.id, "name": "g"}, owner="a")
    default = store.default_group(project.id)
    batch, runs = store.trigger_group(default, owner="a", make_run=make_run_for(store))
    store.add_environment(project.id, "Staging", "https://staging.example.com")
    store.add_credential(project.id, {"kind": "inbox", "label": "inbox"})
    store.add_memory(
        project.id, {"category": "site_structure", "title": "t", "content": "c", "importance": "low"}
    )
    store.add_file(project.id, "spec.pdf")
    store.delete_project(project.id)
    for table in ("tests", "groups", "batches", "environments", "credentials", "memories", "files"):
        assert all(v.project_id == keep.id for v in getattr(store, table).values()), table
    assert all(r.id not in store.runs for r in runs)
    assert store.test(kept.id) is kept
    with pytest.raises(NotFound):
        store.test(test.id)
    with pytest.raises(NotFound):
        store.batch(batch.id, "a")


def test_projects_by_id_or_short_id():
    store = make_store()
    project = store.add_project("p", short_id="prj_abc")
    assert store.project("prj_abc") is store.project(project.id.upper()) is project
    with pytest.raises(ValueError, match="duplicate"):
        store.add_project("q", short_id="prj_abc")


def test_two_step_upload():
    store = make_store()
    project = store.add_project("p")
    with pytest.raises(Invalid, match="filename"):
        store.start_upload(project.id, "app.exe", 10, None)
    upload = store.start_upload(project.id, "app.apk", 10, 60)
    with pytest.raises(Invalid, match="PUT the file"):
        store.confirm_upload(project.id, upload.storage_key, "app.apk", 10, 60)
    store.receive_upload(upload.storage_key, 9)
    with pytest.raises(Invalid, match="Uploaded 9 bytes"):
        store.confirm_upload(project.id, upload.storage_key, "app.apk", 10, 60)
    with pytest.raises(Invalid, match="filename"):
        store.confirm_upload(project.id, upload.storage_key, "other.apk", 10, 60)
    store.receive_upload(upload.storage_key, 10)
    app = store.confirm_upload(project.id, upload.storage_key, "app.apk", 10, 60)
    assert app.platform == "android"
    assert [a.id for a in store.live_apps(project.id)] == [app.id]
    store.clock.advance(61)  # removeAfter elapsed
    assert store.live_apps(project.id) == []


def test_webhooks_are_due_once_when_terminal():
    store = make_store()
    changes: list[str] = []
    store.on_change = lambda: changes.append("x")
    r = run(store, webhook_url="http://127.0.0.1:1/hook")
    hang = run(store, "[sim:hang]", webhook_url="http://127.0.0.1:1/hook")
    assert len(changes) == 2  # each new webhook run wakes the dispatcher
    assert store.due_webhooks() == ([], 11.0)  # queue 1 + run 10; the hanging run has no due time
    store.clock.advance(11)
    due, next_due = store.due_webhooks()
    assert ([s.id for s in due], next_due) == ([r.id], None)
    assert store.due_webhooks() == ([], None)
    store.cancel_run(hang.id, "a")
    assert len(changes) == 3
    assert [s.id for s in store.due_webhooks()[0]] == [hang.id]


def test_concurrent_creation_from_threads_gives_unique_runs():
    store = make_store()
    ids: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        mine = [run(store).id for _ in range(100)]
        with lock:
            ids.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(ids) == len(set(ids)) == 800
    assert len(store.snapshots()) == 800
    assert sorted(r.seq for r in store.runs.values()) == list(range(1, 801))


@pytest.mark.parametrize(
    ("prompt", "name"),
    [
        ("Sign up on https://shop.example.com with a new email", "Sign up"),
        ("Check the search box [sim:fail]", "Check the search box"),
        ("Add the first product to the cart and pay", "Add the first product"),
        ("Pay. Then leave", "Pay"),
        ("[sim:fail]", "Untitled feature"),
    ],
)
def test_feature_names_are_short_and_readable(prompt, name):
    store = make_store()
    assert run(store, prompt).feature_name == name
