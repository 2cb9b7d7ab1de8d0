import gc

from nameko.runners import ServiceRunner

from crm_shared.runtime.runner import freezing_after_start


class Idle:
    name = "idle"


def test_a_started_service_leaves_its_start_up_objects_out_of_later_collections() -> None:
    gc.unfreeze()
    runner = freezing_after_start(ServiceRunner)({})
    runner.add_service(Idle)
    try:
        runner.start()
        assert gc.get_freeze_count() > 0
    finally:
        runner.stop()
        gc.unfreeze()
