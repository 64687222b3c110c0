"""``curvecheck.lightning.CurveCheck``: a Lightning callback that diagnoses the
run so far at the end of every validation and training epoch.

    trainer = lightning.Trainer(callbacks=[curvecheck.lightning.CurveCheck(stop_on="error")])

The loss ``training_step`` returns is recorded at every global step as
``loss``; what the module logs (``trainer.callback_metrics``: ``val_loss``,
``val_acc``, ``train_loss_epoch``, …) at the step where an epoch or a
validation ended. A NaN or infinite loss is checked at once; ``stop_on`` stops
training the Lightning way (``trainer.should_stop = True``). Works with
``lightning`` and with ``pytorch_lightning``.
"""

from __future__ import annotations

from typing import Any, Optional

try:
    from lightning.pytorch.callbacks import Callback
except ImportError:  # the older package name
    from pytorch_lightning.callbacks import Callback  # type: ignore[no-redef, assignment]

from ._diagnosis import Diagnosis
from ._monitor import Monitor


class CurveCheck(Callback):
    """Diagnoses at each epoch and validation end; see :class:`curvecheck._monitor.Monitor` for the options."""

    def __init__(self, **options: Any) -> None:
        super().__init__()
        options.setdefault("name", "lightning")
        self.monitor = Monitor(**options)

    @property
    def diagnosis(self) -> Optional[Diagnosis]:
        """The latest diagnosis (``None`` before the first check)."""
        return self.monitor.diagnosis

    def on_train_batch_end(self, trainer: Any, pl_module: Any, outputs: Any, batch: Any, batch_idx: int) -> None:
        loss = outputs.get("loss") if isinstance(outputs, dict) else outputs
        if loss is None:
            return
        self.monitor.log(trainer.global_step, {"epoch": trainer.current_epoch, "loss": loss})
        if self.monitor.loss_blew_up(loss) and self.monitor.check():
            trainer.should_stop = True

    def _epoch_metrics(self, trainer: Any) -> None:
        self.monitor.log(trainer.global_step, {"epoch": trainer.current_epoch, **trainer.callback_metrics})
        if self.monitor.check():
            trainer.should_stop = True

    def on_validation_end(self, trainer: Any, pl_module: Any) -> None:
        if not trainer.sanity_checking:
            self._epoch_metrics(trainer)

    def on_train_epoch_end(self, trainer: Any, pl_module: Any) -> None:
        self._epoch_metrics(trainer)
