"""``curvecheck.keras.CurveCheck``: a Keras 3 callback (any backend) that
diagnoses the run so far at the end of every epoch and prints new findings.

    model.fit(x, y, validation_split=0.2, epochs=50,
              callbacks=[curvecheck.keras.CurveCheck(stop_on="error", plot_to="curves.png")])

The training loss is recorded per batch (Keras' running mean of the epoch) at
the global step, the epoch's logs (``loss``, ``accuracy``, ``val_loss``, …) at
the epoch's last step. A NaN or infinite batch loss is checked at once, and
``stop_on`` stops training the Keras way (``model.stop_training = True``).
"""

from __future__ import annotations

from typing import Any, Dict, Optional

import keras

from ._diagnosis import Diagnosis
from ._monitor import Monitor


class CurveCheck(keras.callbacks.Callback):
    """Diagnoses at each epoch end; see :class:`curvecheck._monitor.Monitor` for the options."""

    def __init__(self, **options: Any) -> None:
        super().__init__()
        options.setdefault("name", "keras")
        self.monitor = Monitor(**options)
        self._step = 0
        self._epoch = 0

    @property
    def diagnosis(self) -> Optional[Diagnosis]:
        """The latest diagnosis (``None`` before the first check)."""
        return self.monitor.diagnosis

    def on_epoch_begin(self, epoch: int, logs: Optional[Dict[str, Any]] = None) -> None:
        self._epoch = epoch

    def on_train_batch_end(self, batch: int, logs: Optional[Dict[str, Any]] = None) -> None:
        self._step += 1
        loss = (logs or {}).get("loss")
        if loss is None:
            return
        self.monitor.log(self._step, {"epoch": self._epoch, "loss": loss})
        if self.monitor.loss_blew_up(loss) and self.monitor.check():
            self.model.stop_training = True

    def on_epoch_end(self, epoch: int, logs: Optional[Dict[str, Any]] = None) -> None:
        self.monitor.log(self._step, {"epoch": epoch, **(logs or {})})
        if self.monitor.check():
            self.model.stop_training = True
