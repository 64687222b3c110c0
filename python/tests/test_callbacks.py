"""Each callback on a tiny model trained for a few seconds on CPU with the real
framework: findings printed once, the chart kept, and a learning rate that
diverges stopped by ``stop_on="error"`` within a few steps of the first NaN.

"First NaN" is the step at which the framework's own logged loss first went
non-finite, recorded here by a probe independent of curvecheck."""

import math

import pytest

import curvecheck
import curvecheck._monitor
from conftest import need

#: How many steps past the first non-finite loss training may still run.
STOP_WITHIN = 2


def regression(n: int = 256, seed: int = 0):
    torch = need("torch")
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 8, generator=g)
    y = x @ torch.randn(8, 1, generator=g) + 0.1 * torch.randn(n, 1, generator=g)
    return x, y


# ---- plain PyTorch: a training loop of one's own, its history handed to diagnose() ----


def test_torch_loop_history_is_diagnosed_as_a_dict_of_lists():
    torch = need("torch")
    torch.manual_seed(0)
    x, y = regression()
    model = torch.nn.Linear(8, 1)

    def fit(lr, epochs=8):
        opt = torch.optim.SGD(model.parameters(), lr=lr)
        history = {"step": [], "epoch": [], "loss": [], "val_loss": []}
        step = 0
        for epoch in range(epochs):
            for i in range(0, 192, 16):
                loss = torch.nn.functional.mse_loss(model(x[i : i + 16]), y[i : i + 16])
                opt.zero_grad()
                loss.backward()
                opt.step()
                step += 1
                history["step"].append(step)
                history["epoch"].append(epoch)
                history["loss"].append(loss.item())
                history["val_loss"].append(None)
            with torch.no_grad():
                history["val_loss"][-1] = torch.nn.functional.mse_loss(model(x[192:]), y[192:]).item()
        return history

    healthy = curvecheck.diagnose(fit(0.05))
    assert healthy.worst() != "error", healthy.verdict
    model.reset_parameters()
    diverged = curvecheck.diagnose(fit(5.0))
    assert [f.rule for f in diverged.findings if f.severity == "error"] == ["divergence"], diverged.verdict


# ---- Keras (torch backend) ----


def keras_run(lr, callbacks, epochs=6):
    keras = need("keras")
    assert keras.backend.backend() == "torch"
    keras.utils.set_random_seed(0)
    x, y = regression()
    model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, activation="relu"), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr), loss="mse")
    losses = []

    class Probe(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            losses.append(float(logs["loss"]))

    history = model.fit(x.numpy(), y.numpy(), validation_split=0.25, batch_size=16, epochs=epochs, verbose=0, callbacks=[Probe(), *callbacks])
    return history, losses


def first_non_finite(losses):
    return next(i for i, v in enumerate(losses, start=1) if not math.isfinite(v))


def test_keras_callback_prints_findings_once_and_keeps_the_chart(tmp_path, capsys):
    chart = tmp_path / "keras.png"
    printed = []
    cb = curvecheck.keras.CurveCheck(plot_to=str(chart), severities=("info", "warning", "error"), print_fn=printed.append)
    history, losses = keras_run(0.01, [cb])
    assert len(losses) == 6 * 12
    assert chart.read_bytes()[:4] == b"\x89PNG"
    d = cb.diagnosis
    assert d is not None and d.format == "columns"
    table = cb.monitor.columns()
    assert table["step"] == list(range(1, 73)) and sum(v is not None for v in table["val_loss"]) == 6
    # Each finding printed once (by rule and severity), though every epoch's check finds it again.
    heads = [tuple(line.split()[1:3]) for line in printed]
    assert heads and len(heads) == len(set(heads)), printed
    assert {(f.severity.upper(), f.rule) for f in d.findings} <= set(heads)
    # The History that fit() returns is a source too, and reads as a per-epoch table.
    from_history = curvecheck.diagnose(history)
    assert from_history.format == "columns" and from_history.records == 6


def test_keras_stop_on_error_stops_within_steps_of_the_first_nan():
    cb = curvecheck.keras.CurveCheck(stop_on="error", print_fn=lambda s: None)
    _, losses = keras_run(5.0, [cb])
    nan_at = first_non_finite(losses)
    assert len(losses) <= nan_at + STOP_WITHIN, f"first NaN at step {nan_at}, stopped after {len(losses)}"
    assert cb.monitor.stopped_by is not None and cb.monitor.stopped_by.rule == "divergence"
    # Without stop_on the same run goes on to the end: the stop above was the callback's.
    _, unstopped = keras_run(5.0, [curvecheck.keras.CurveCheck(print_fn=lambda s: None)])
    assert len(unstopped) == 6 * 12 and first_non_finite(unstopped) == nan_at


# ---- Lightning ----


def lightning_run(lr, callbacks, epochs=5):
    torch = need("torch")
    L = need("lightning")
    L.seed_everything(0, verbose=False)
    x, y = regression()
    losses = []

    class Tiny(L.LightningModule):
        def __init__(self):
            super().__init__()
            self.net = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(), torch.nn.Linear(16, 1))

        def training_step(self, batch, _):
            loss = torch.nn.functional.mse_loss(self.net(batch[0]), batch[1])
            self.log("train_loss", loss, on_step=False, on_epoch=True)
            return loss

        def on_train_batch_end(self, outputs, batch, batch_idx):
            losses.append(float(outputs["loss"]))

        def validation_step(self, batch, _):
            self.log("val_loss", torch.nn.functional.mse_loss(self.net(batch[0]), batch[1]))

        def configure_optimizers(self):
            return torch.optim.SGD(self.parameters(), lr=lr)

    data = torch.utils.data.TensorDataset(x[:192], y[:192])
    val = torch.utils.data.TensorDataset(x[192:], y[192:])
    trainer = L.Trainer(
        max_epochs=epochs,
        accelerator="cpu",
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        callbacks=callbacks,
    )
    trainer.fit(Tiny(), torch.utils.data.DataLoader(data, batch_size=16), torch.utils.data.DataLoader(val, batch_size=32))
    return trainer, losses


def test_lightning_callback_diagnoses_each_validation(tmp_path):
    chart = tmp_path / "lightning.svg"
    cb = curvecheck.lightning.CurveCheck(plot_to=str(chart), print_fn=lambda s: None)
    trainer, losses = lightning_run(0.01, [cb])
    assert len(losses) == 5 * 12 and trainer.global_step == 60
    assert cb.diagnosis is not None and cb.diagnosis.records == 60
    assert "<svg" in chart.read_text()
    table = cb.monitor.columns()
    assert sum(v is not None for v in table["val_loss"]) == 5, "one validation per epoch, sanity check left out"


def test_lightning_stop_on_error_stops_within_steps_of_the_first_nan():
    cb = curvecheck.lightning.CurveCheck(stop_on="error", print_fn=lambda s: None)
    trainer, losses = lightning_run(5.0, [cb])
    nan_at = first_non_finite(losses)
    assert len(losses) <= nan_at + STOP_WITHIN, f"first NaN at step {nan_at}, stopped after {len(losses)}"
    assert cb.monitor.stopped_by is not None and cb.monitor.stopped_by.rule == "divergence"
    _, unstopped = lightning_run(5.0, [curvecheck.lightning.CurveCheck(print_fn=lambda s: None)])
    assert len(unstopped) == 5 * 12


# ---- Hugging Face Transformers: a tiny BERT built from a config, nothing downloaded ----


def trainer_run(tmp_path, lr, callbacks, epochs=3):
    torch = need("torch")
    transformers = need("transformers")
    transformers.set_seed(0)
    cfg = transformers.BertConfig(
        vocab_size=64, hidden_size=16, num_hidden_layers=2, num_attention_heads=2, intermediate_size=32, max_position_embeddings=32, num_labels=2
    )
    model = transformers.BertForSequenceClassification(cfg)

    class Parity(torch.utils.data.Dataset):
        def __init__(self, n, seed):
            g = torch.Generator().manual_seed(seed)
            self.x = torch.randint(0, 64, (n, 12), generator=g)

        def __len__(self):
            return len(self.x)

        def __getitem__(self, i):
            return {"input_ids": self.x[i], "attention_mask": torch.ones(12, dtype=torch.long), "labels": self.x[i, 0] % 2}

    losses = []

    class Probe(transformers.TrainerCallback):
        def on_log(self, args, state, control, logs=None, **kw):
            if logs and "loss" in logs:
                losses.append(float(logs["loss"]))

    args = transformers.TrainingArguments(
        output_dir=str(tmp_path / "out"),
        per_device_train_batch_size=16,
        num_train_epochs=epochs,
        logging_steps=1,
        eval_strategy="epoch",
        save_strategy="no",
        report_to=[],
        use_cpu=True,
        logging_nan_inf_filter=False,
        learning_rate=lr,
        optim="sgd",
        max_grad_norm=0,
        lr_scheduler_type="constant",
        disable_tqdm=True,
        seed=0,
    )
    trainer = transformers.Trainer(model=model, args=args, train_dataset=Parity(256, 1), eval_dataset=Parity(64, 2), callbacks=[Probe(), *callbacks])
    trainer.train()
    return trainer, losses


def test_transformers_callback_diagnoses_each_evaluation(tmp_path):
    chart = tmp_path / "hf.png"
    printed = []
    cb = curvecheck.transformers.CurveCheckCallback(plot_to=str(chart), severities=("info", "warning", "error"), print_fn=printed.append)
    trainer, losses = trainer_run(tmp_path, 0.05, [cb])
    assert len(losses) == 3 * 16
    d = cb.diagnosis
    assert d is not None and d.format == "hf-trainer-state"
    assert chart.read_bytes()[:4] == b"\x89PNG"
    # The callback's last diagnosis is what the log history says at the end.
    assert curvecheck.diagnose(trainer.state).to_dict()["findings"] == d.to_dict()["findings"]


def test_transformers_stop_on_error_stops_within_steps_of_the_first_nan(tmp_path):
    cb = curvecheck.transformers.CurveCheckCallback(stop_on="error", print_fn=lambda s: None)
    trainer, losses = trainer_run(tmp_path, 1e20, [cb])
    nan_at = first_non_finite(losses)
    assert trainer.state.global_step <= nan_at + STOP_WITHIN, f"first NaN at step {nan_at}, stopped at {trainer.state.global_step}"
    assert cb.monitor.stopped_by is not None and cb.monitor.stopped_by.rule == "divergence"
    unstopped, _ = trainer_run(tmp_path, 1e20, [curvecheck.transformers.CurveCheckCallback(print_fn=lambda s: None)])
    assert unstopped.state.global_step == 3 * 16


def test_bad_settings_fail_before_training():
    with pytest.raises(curvecheck.CurveCheckError, match="plateau"):
        curvecheck.keras.CurveCheck(**{"plateau.nope": 1})
    with pytest.raises(ValueError, match="unknown severity 'fatal'"):
        curvecheck.lightning.CurveCheck(stop_on="fatal")


def test_a_metric_override_names_a_series_logged_later_and_why_nothing_is_diagnosed_is_said_once():
    printed = []
    monitor = curvecheck._monitor.Monitor(metric={"val_acc": "top1"}, print_fn=printed.append)
    with pytest.raises(curvecheck.CurveCheckError, match="unknown role 'val_top'"):
        curvecheck._monitor.Monitor(metric={"val_top": "top1"})
    monitor.log(1, {"epoch": 0, "loss": 1.0})
    assert not monitor.check() and not monitor.check()
    assert printed == ["curvecheck: cannot diagnose the run yet: <dict>: --metric names 'top1', but the log has no such series; it has: loss"]
    for step in range(2, 6):
        monitor.log(step, {"epoch": step // 2, "loss": 1.0 / step, "top1": 0.1 * step})
    monitor.check()
    assert monitor.diagnosis is not None and len(printed) == 1
