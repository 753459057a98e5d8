"""The what-if simulation in the app: starting a run (validation, the row, the task queued after
the commit and run eagerly here with its progress), stopping it, the broker being down, the API
and the pages, by role and facility."""

import pytest
from django.urls import reverse

from conftest import token_client
from infusion.models import RunStatus, SimulationRun
from infusion.services import simulation as services
from scheduling.errors import ApplicationError, NotFound
from scheduling.models import OutboxMessage, Role
from tests.factories import ResourceFactory

pytestmark = pytest.mark.django_db

SMALL = {"horizon_days": 28, "replications": 1, "seed": 3}


@pytest.fixture
def analyst(facility, make_member):
    return make_member(facility, Role.ANALYST, username="ana-lyst")


@pytest.fixture
def manager(facility, make_member):
    return make_member(facility, Role.MANAGER, username="nina-manager")


def _start(facility, actor, capture, **parameters):
    with capture(execute=True):
        return services.simulation_start(facility=facility, actor=actor, parameters={**SMALL, **parameters})


def _api_url(facility, name="infusion-simulation-run-list", **kwargs):
    return reverse(name, kwargs={"facility_slug": facility.slug, **kwargs})


def _page(facility, name="infusion:simulate", **kwargs):
    return reverse(name, kwargs={"facility_slug": facility.slug, **kwargs})


# --- the service and the task -----------------------------------------------------------------


def test_a_run_is_queued_after_the_commit_and_the_task_fills_in_progress_and_results(
    facility, user, django_capture_on_commit_callbacks
):
    ResourceFactory.create_batch(3, facility=facility, kind="chair")
    run = _start(facility, user, django_capture_on_commit_callbacks, nurses=1)
    run.refresh_from_db()
    assert run.status == RunStatus.DONE
    assert run.progress == 100
    assert run.started_at and run.finished_at
    # The facility's chairs are the default; its configuration is kept with the run.
    assert run.parameters["chairs"] == 3 and run.parameters["nurses"] == 1
    assert run.parameters["policies"] == ["levelled", "study"]
    assert set(run.parameters["routes"]) == {"new", "cancellation", "no_show", "bad_blood", "next_cycle"}
    results = run.results
    assert results["replications"] == 1
    assert set(results["policies"]) == {"levelled", "study"}
    throughput = results["policies"]["levelled"]["measures"]["throughput"]
    assert throughput["n"] == 1 and throughput["mean"] > 0
    assert "wait_minutes" in results["differences"]


def test_one_policy_runs_alone(facility, user, django_capture_on_commit_callbacks):
    run = _start(facility, user, django_capture_on_commit_callbacks, policy="study")
    run.refresh_from_db()
    assert list(run.results["policies"]) == ["study"]
    assert run.results["differences"] == {}


def test_the_task_is_published_only_once_the_run_is_committed(facility, user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run = services.simulation_start(facility=facility, actor=user, parameters=SMALL)
    assert len(callbacks) == 1
    run.refresh_from_db()
    assert run.status == RunStatus.QUEUED and run.progress == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("chairs", 0),
        ("nurses", 201),
        ("arrival_minutes", 1),
        ("horizon_days", 5),
        ("replications", 51),
        ("seed", -1),
        ("policy", "fastest"),
        ("chairs", "many"),
    ],
)
def test_parameters_out_of_bounds_are_refused_naming_the_field(facility, user, field, value):
    with pytest.raises(ApplicationError) as refused:
        services.simulation_start(facility=facility, actor=user, parameters={**SMALL, field: value})
    assert refused.value.status_code == 400
    assert field in refused.value.fields
    assert not SimulationRun.objects.exists()


def test_a_redelivered_message_does_nothing(facility, user, django_capture_on_commit_callbacks):
    run = _start(facility, user, django_capture_on_commit_callbacks)
    assert services.simulation_execute(run_id=run.pk) == "skipped"


def test_stopping_keeps_the_replications_that_finished(facility, user, monkeypatch):
    run = services.simulation_start(facility=facility, actor=user, parameters={**SMALL, "replications": 3})
    progress = services._progress

    def stop_after_one_pair(run_id, done, total):
        progress(run_id, done, total)
        if done == 2:
            SimulationRun.objects.filter(pk=run_id).update(status=RunStatus.STOPPED)

    monkeypatch.setattr(services, "_progress", stop_after_one_pair)
    assert services.simulation_execute(run_id=run.pk) == "stopped"
    run.refresh_from_db()
    assert run.status == RunStatus.STOPPED
    assert run.results["stopped"] is True and run.results["replications"] == 1


def test_stop_rules(facility, user, manager, analyst, django_capture_on_commit_callbacks):
    queued = services.simulation_start(facility=facility, actor=analyst, parameters=SMALL)
    other_analyst_run = services.simulation_start(facility=facility, actor=user, parameters=SMALL)
    with pytest.raises(ApplicationError) as refused:
        services.simulation_stop(facility=facility, actor=analyst, actor_role=Role.ANALYST, run_id=other_analyst_run.pk)
    assert refused.value.status_code == 403
    stopped = services.simulation_stop(facility=facility, actor=analyst, actor_role=Role.ANALYST, run_id=queued.pk)
    assert stopped.status == RunStatus.STOPPED
    assert services.simulation_execute(run_id=queued.pk) == "skipped"
    services.simulation_stop(facility=facility, actor=manager, actor_role=Role.MANAGER, run_id=other_analyst_run.pk)
    done = _start(facility, user, django_capture_on_commit_callbacks)
    with pytest.raises(ApplicationError) as finished:
        services.simulation_stop(facility=facility, actor=user, actor_role=Role.ADMIN, run_id=done.pk)
    assert finished.value.status_code == 409


def test_another_facilitys_run_is_not_found(facility, other_facility, user, make_member):
    stranger = make_member(other_facility, Role.ADMIN)
    run = services.simulation_start(facility=other_facility, actor=stranger, parameters=SMALL)
    with pytest.raises(NotFound):
        services.simulation_stop(facility=facility, actor=user, actor_role=Role.ADMIN, run_id=run.pk)


@pytest.mark.django_db(transaction=True)
def test_a_broker_that_is_down_keeps_the_run_in_the_outbox(facility, user, celery_broker):
    from conftest import DEAD_REDIS

    celery_broker(DEAD_REDIS)
    run = services.simulation_start(facility=facility, actor=user, parameters=SMALL)
    run.refresh_from_db()
    assert run.status == RunStatus.QUEUED
    kept = OutboxMessage.objects.get()
    assert kept.task == "infusion.run_simulation" and kept.kwargs == {"run_id": run.pk}


# --- the API ----------------------------------------------------------------------------------


def test_api_starts_lists_reads_and_stops(facility, analyst, django_capture_on_commit_callbacks):
    client = token_client(analyst)
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(_api_url(facility), {**SMALL, "chairs": 6, "policy": "both"}, format="json")
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "queued" and body["progress"] == 0 and body["results"] is None
    assert body["parameters"]["chairs"] == 6
    run_id = body["id"]
    listed = client.get(_api_url(facility)).json()
    assert [row["id"] for row in listed["results"]] == [run_id]
    detail = client.get(_api_url(facility, "infusion-simulation-run-detail", pk=run_id))
    assert detail.status_code == 200 and detail.json()["id"] == run_id
    stopped = client.post(_api_url(facility, "infusion-simulation-run-stop", pk=run_id))
    assert stopped.status_code == 200 and stopped.json()["status"] == "stopped"
    again = client.post(_api_url(facility, "infusion-simulation-run-stop", pk=run_id))
    assert again.status_code == 409


def test_api_runs_it_with_results(facility, analyst, django_capture_on_commit_callbacks):
    client = token_client(analyst)
    with django_capture_on_commit_callbacks(execute=True):
        run_id = client.post(_api_url(facility), SMALL, format="json").json()["id"]
    body = client.get(_api_url(facility, "infusion-simulation-run-detail", pk=run_id)).json()
    assert body["status"] == "done" and body["progress"] == 100
    measure = body["results"]["policies"]["study"]["measures"]["days_to_treatment"]
    assert measure["low"] <= measure["mean"] <= measure["high"]


@pytest.mark.parametrize(
    ("field", "value"), [("chairs", 0), ("policy", "fastest"), ("replications", 100), ("speed", 1)]
)
def test_api_bad_input_is_400_naming_the_field(facility, analyst, field, value):
    response = token_client(analyst).post(_api_url(facility), {**SMALL, field: value}, format="json")
    assert response.status_code == 400
    assert field in str(response.json())


def test_api_roles_and_facilities(facility, other_facility, make_member, analyst):
    scheduler = make_member(facility, Role.SCHEDULER)
    assert token_client(scheduler).get(_api_url(facility)).status_code == 403
    assert token_client(scheduler).post(_api_url(facility), SMALL, format="json").status_code == 403
    stranger = make_member(other_facility, Role.ADMIN)
    run = services.simulation_start(facility=other_facility, actor=stranger, parameters=SMALL)
    client = token_client(analyst)
    assert client.get(_api_url(facility, "infusion-simulation-run-detail", pk=run.pk)).status_code == 404
    assert client.post(_api_url(facility, "infusion-simulation-run-stop", pk=run.pk)).status_code == 404


# --- the pages --------------------------------------------------------------------------------


def test_the_form_is_prefilled_and_lists_past_runs(client, facility, manager):
    ResourceFactory.create_batch(4, facility=facility, kind="chair")
    services.simulation_start(facility=facility, actor=manager, parameters=SMALL)
    client.force_login(manager)
    response = client.get(_page(facility))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>What-if simulation</h1>" in html
    assert 'name="chairs" value="4"' in html
    assert 'name="arrival_minutes" value="105' in html
    assert "Past runs" in html and "Queued" in html


def test_the_form_starts_a_run_and_its_page_shows_the_results(
    client, facility, manager, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    form = {
        "chairs": 6,
        "nurses": 2,
        "weekly_capacity": 60,
        "arrival_minutes": 105,
        "policy": "both",
        **SMALL,
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_page(facility), form)
    run = SimulationRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _page(facility, "infusion:simulation-run", run_id=run.pk)
    page = client.get(response["Location"]).content.decode()
    assert "In-clinic wait" in page and "Difference" in page
    assert 'data-simulation-chart="chart-wait_minutes"' in page
    assert 'id="chart-profile"' in page
    assert "hx-trigger" not in page  # done: nothing polls
    csv = client.get(_page(facility, "infusion:simulation-csv", run_id=run.pk))
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    lines = b"".join(csv.streaming_content).decode().splitlines()
    assert lines[0] == "policy,replication,measure,value"
    assert any(line.startswith("levelled,0,wait_minutes,") for line in lines)
    assert any(line.startswith("difference,mean,throughput,") for line in lines)


def test_the_form_refuses_bad_values(client, facility, manager):
    client.force_login(manager)
    response = client.post(_page(facility), {"chairs": 0, "nurses": 2, "policy": "both"})
    assert response.status_code == 400
    assert "field-error" in response.content.decode()
    assert not SimulationRun.objects.exists()


def test_a_queued_run_polls_its_progress_and_can_be_stopped(client, facility, manager):
    run = services.simulation_start(facility=facility, actor=manager, parameters=SMALL)
    client.force_login(manager)
    page = client.get(_page(facility, "infusion:simulation-run", run_id=run.pk)).content.decode()
    assert 'hx-trigger="every 2s"' in page and "Waiting for a worker" in page
    fragment = client.get(_page(facility, "infusion:simulation-progress", run_id=run.pk), HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200 and "HX-Refresh" not in fragment
    stop = client.post(_page(facility, "infusion:simulation-stop", run_id=run.pk))
    assert stop.status_code == 302
    fragment = client.get(_page(facility, "infusion:simulation-progress", run_id=run.pk), HTTP_HX_REQUEST="true")
    assert fragment["HX-Refresh"] == "true"
    assert client.get(_page(facility, "infusion:simulation-csv", run_id=run.pk)).status_code == 404


def test_pages_need_the_simulate_right_and_the_facility(client, facility, other_facility, make_member, manager):
    clinician = make_member(facility, Role.CLINICIAN)
    client.force_login(clinician)
    assert client.get(_page(facility)).status_code == 403
    stranger = make_member(other_facility, Role.ADMIN)
    run = services.simulation_start(facility=other_facility, actor=stranger, parameters=SMALL)
    client.force_login(manager)
    assert client.get(_page(facility, "infusion:simulation-run", run_id=run.pk)).status_code == 404


# --- the management command -------------------------------------------------------------------


def test_the_command_writes_the_csv_and_saves_nothing(tmp_path, facility):
    from django.core.management import call_command

    out = tmp_path / "out.csv"
    call_command(
        "infusion_simulate",
        "--policy",
        "both",
        "--days",
        "28",
        "--warmup",
        "14",
        "--replications",
        "2",
        "--seed",
        "1",
        "--out",
        str(out),
    )
    lines = out.read_text().splitlines()
    assert lines[0] == "policy,replication,measure,value"
    assert any(line.startswith("study,1,throughput,") for line in lines)
    assert any(line.startswith("difference,high,wait_minutes,") for line in lines)
    assert not SimulationRun.objects.exists()


def test_a_run_whose_worker_was_lost_runs_again_on_redelivery(facility, user):
    import datetime as dt

    from django.utils import timezone

    run = services.simulation_start(facility=facility, actor=user, parameters=SMALL)
    SimulationRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, progress=50, started_at=timezone.now())
    assert services.simulation_execute(run_id=run.pk) == "skipped"  # a live worker has it
    long_ago = timezone.now() - dt.timedelta(seconds=services.TASK_TIME_LIMIT + 60)
    SimulationRun.objects.filter(pk=run.pk).update(started_at=long_ago)
    assert services.simulation_execute(run_id=run.pk) == "done"
    run.refresh_from_db()
    assert run.status == RunStatus.DONE and run.progress == 100


@pytest.mark.django_db
def test_a_run_takes_each_patient_types_treatments_from_the_facility(facility, user):
    """A facility on the defaults simulates the model the closing figures were measured on; a
    type whose treatments a manager changed brings that many treatments to the run."""
    from infusion.selectors import simulation as selectors
    from infusion.services import configuration
    from infusion.simulation import parameters

    on_defaults = parameters.from_mapping(selectors.simulation_configuration(facility=facility))
    assert on_defaults.treatments == parameters.Parameters().treatments

    configuration.infusion_defaults_ensure(facility=facility, actor=user)
    configuration.patient_type_update(facility=facility, actor=user, code="FUP", treatments={"1": 1.0})
    changed = parameters.from_mapping(selectors.simulation_configuration(facility=facility))
    assert changed.treatments["FUP"] == {1: 1.0}
    assert changed.treatments["INF"] == parameters.TREATMENT_COUNTS
    assert parameters.from_mapping(parameters.to_mapping(changed)).treatments == changed.treatments
