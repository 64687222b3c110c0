"""``curvecheck.transformers.CurveCheckCallback``: a Hugging Face ``Trainer``
callback that diagnoses ``state.log_history`` (read as the
``trainer_state.json`` it becomes) at every evaluation and epoch end.

    Trainer(model, args, ..., callbacks=[curvecheck.transformers.CurveCheckCallback(stop_on="error")])

A logged NaN or infinite loss is checked at once and ``stop_on`` stops training
the Trainer's way (``control.should_training_stop = True``). The Trainer
replaces NaN and infinite losses in its logs by default
(``logging_nan_inf_filter=True``); set it to False so the callback sees them.
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from transformers import TrainerCallback

from ._diagnosis import Diagnosis
from ._monitor import Monitor


class CurveCheckCallback(TrainerCallback):
    """Diagnoses at each evaluation and epoch end; see :class:`curvecheck._monitor.Monitor` for the options."""

    def __init__(self, **options: Any) -> None:
        options.setdefault("name", "trainer")
        self.monitor = Monitor(**options)

    @property
    def diagnosis(self) -> Optional[Diagnosis]:
        """The latest diagnosis (``None`` before the first check)."""
        return self.monitor.diagnosis

    def _check(self, state: Any, control: Any) -> Any:
        source: Dict[str, Any] = {"log_history": list(state.log_history)}
        if state.best_metric is not None:
            source["best_metric"] = state.best_metric
        if self.monitor.check(source):
            control.should_training_stop = True
        return control

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> Any:
        if self.monitor.stop_on and getattr(args, "logging_nan_inf_filter", False):
            self.monitor.print_fn(
                "curvecheck: note: logging_nan_inf_filter=True hides NaN/inf losses from the logs; "
                "set it to False in TrainingArguments for stop_on to see a divergence"
            )
        return control

    def on_log(self, args: Any, state: Any, control: Any, logs: Optional[Dict[str, Any]] = None, **kwargs: Any) -> Any:
        if self.monitor.loss_blew_up((logs or {}).get("loss")):
            return self._check(state, control)
        return control

    def on_evaluate(self, args: Any, state: Any, control: Any, **kwargs: Any) -> Any:
        return self._check(state, control)

    def on_epoch_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> Any:
        return self._check(state, control)
