"""scifor example: band-pass filter every subject/session signal held in one DataFrame.

Run it with ``python examples/scifor_example.py``, or import it and call :func:`main`,
which returns the results table. The filter uses SciPy when it is installed, and a plain
NumPy FFT filter otherwise.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

try:
    import scifor  # noqa: F401
except ImportError:  # running from a source checkout without an install
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "python"))

from scifor import for_each, get_schema, set_schema

SAMPLE_RATE_HZ = 1000.0
HIGH_HZ = 450.0


def make_raw_df(seed: int = 0) -> pd.DataFrame:
    """Simulated raw EMG: one row per subject and session, the signal as a NumPy array.

    Subject 3 has no "post" session, so that combination is skipped.
    """
    rng = np.random.default_rng(seed)
    t = np.arange(0, 1.0, 1.0 / SAMPLE_RATE_HZ)
    rows = []
    for subject in (1, 2, 3):
        for session in ("pre", "post"):
            if subject == 3 and session == "post":
                continue
            drift = 2.0 * np.sin(2 * np.pi * 2 * t)  # slow movement artefact, below 20 Hz
            burst = (1.0 + subject * 0.2) * rng.standard_normal(t.size)
            rows.append({"subject": subject, "session": session, "signal": drift + burst})
    return pd.DataFrame(rows)


def bandpass_filter(signal: np.ndarray, low_hz: float, high_hz: float = HIGH_HZ) -> np.ndarray:
    """Zero-phase band-pass filter of *signal* between *low_hz* and *high_hz*."""
    try:
        from scipy.signal import butter, filtfilt
    except ImportError:
        spectrum = np.fft.rfft(signal)
        freqs = np.fft.rfftfreq(signal.size, d=1.0 / SAMPLE_RATE_HZ)
        spectrum[(freqs < low_hz) | (freqs > high_hz)] = 0
        return np.fft.irfft(spectrum, n=signal.size)
    nyquist = SAMPLE_RATE_HZ / 2
    b, a = butter(4, [low_hz / nyquist, high_hz / nyquist], btype="band")
    return filtfilt(b, a, signal)


def main() -> pd.DataFrame:
    """Filter every signal, print the results table and a per-row RMS, return the table."""
    raw_df = make_raw_df()

    previous = get_schema()  # restored below, so callers' settings survive
    try:
        set_schema(["subject", "session"])
        results = for_each(
            bandpass_filter,
            inputs={"signal": raw_df, "low_hz": 20},
            subject=[1, 2, 3],
            session=["pre", "post"],
        )
    finally:
        set_schema(previous)

    print(results)
    rms = results.assign(rms=[float(np.sqrt(np.mean(x**2))) for x in results["result"]])
    print(rms[["subject", "session", "rms"]].to_string(index=False))
    for skipped in results.attrs["skipped"]:
        print(f"skipped {skipped['combo']}: {skipped['reason']}")
    return results


if __name__ == "__main__":
    main()
