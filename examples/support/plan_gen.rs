//! A deterministic generator of realistic plans that follow the default
//! template: every section, and steps with a Goal, a task checklist, a
//! Python Code block, a Tests block, a Verification bash block and an Output
//! line. Shared by `examples/gen_plan.rs`, the benchmarks and the tests
//! through `#[path]`, so it needs no library API.
//!
//! Sizes: 10 steps give about 700 lines, 100 steps about 6,000 and 1,000
//! steps about 60,000.

use std::fmt::Write as _;

/// The plan with `steps` implementation steps (`Step 0` .. `Step steps-1`).
#[must_use]
pub fn generate(steps: usize) -> String {
    let mut out = String::with_capacity(64 + steps * 2_600);
    head(&mut out, steps);
    for n in 0..steps {
        step(&mut out, n);
    }
    tail(&mut out, steps);
    out
}

fn head(out: &mut String, steps: usize) {
    let _ = write!(
        out,
        "# m7-ingest Plan

> **Track Progress**: See `docs/m7-ingest-results.md` for implementation status, test results, and issues.

## Overview

| Attribute | Value |
|-----------|-------|
| **Created** | 2026-01-15T09:30:00-05:00 |
| **Name** | Ingest pipeline with {steps} steps |
| **Type** | Feature |
| **Proves** | The ingest service handles a day of events within the latency budget |
| **Production-Grade Because** | It runs against the real message broker and database |

---

## Deliverables

Concrete capabilities this task delivers:

- A typed event model shared by producers and consumers
- A consumer that batches events into the warehouse
- Retry and dead-letter handling for malformed events
- Metrics for throughput, lag and error rate

---

## Prerequisites

Complete these BEFORE starting implementation steps.

### 1. Identify Affected Tests

**Why Needed**: Run only affected tests during implementation (not full suite)

**Affected test files**:
- `tests/test_events.py` - event model validation
- `tests/test_consumer.py` - consumer batching

**Baseline verification**:
```bash
cd service && uv run pytest tests/test_events.py tests/test_consumer.py -v --tb=short
# Expected: All pass (establishes baseline)
```

### 2. Local Broker

**Why Needed**: The consumer tests talk to a real broker

**Steps**:
1. Start the broker container
2. Create the events topic
3. Export the broker address

**Commands**:
```bash
# Start a single-node broker for tests
docker compose up -d broker
```

**Verification** (inline OK for prerequisites):
```bash
# Quick check that prerequisite is working
python -c \"import socket; socket.create_connection(('localhost', 9092))\"
# Expected: no error
```

---

## Success Criteria

From `docs/m7-roadmap.md`:

- [ ] A day of recorded events is ingested in under ten minutes
- [ ] Malformed events land in the dead-letter table with a reason
- [ ] Consumer lag stays under five seconds at peak load
- [ ] All new code is covered by tests that run in CI

---

## Architecture

### File Structure
```
service/
├── ingest/
│   ├── __init__.py           # Package exports
│   ├── events.py             # Event models
│   └── consumer.py           # Batching consumer
├── settings.py               # Updated
└── tests/
    └── test_ingest_*.py      # All tests
```

### Design Principles
1. **OOP Design**: Use classes with single responsibility and clear interfaces
2. **Pydantic Models**: All data structures (configs, payloads, records) use Pydantic BaseModel
3. **Strong Typing**: Type hints on all functions, methods, and class attributes
4. **Idempotence**: Re-running a batch never duplicates rows

---

## Implementation Steps

**Approach**: Build bottom-up and test each layer independently.

> ⚠️ **Each step includes its tests.** Write code, write tests, run tests, verify all pass—then move on. Never separate code and tests into different steps.

"
    );
}

fn step(out: &mut String, n: usize) {
    let _ = write!(
        out,
        "### Step {n}: Component {n}

**Goal**: Add component {n} of the pipeline, with its configuration and tests.

- [ ] Implement `Component{n}` and its configuration model
- [ ] Register component {n} in the pipeline
- [ ] Write tests

**Code** (add to `service/ingest/component_{n}.py`):
```python
\"\"\"Component {n}: one stage of the ingest pipeline.\"\"\"

from pydantic import BaseModel


class Component{n}Config(BaseModel):
    name: str = \"component-{n}\"
    retries: int = 3


class Component{n}:
    def __init__(self, config: Component{n}Config) -> None:
        self.config = config
        self.items: list[str] = []

    def add(self, item: str) -> None:
        self.items.append(item)

    def run(self) -> dict[str, int]:
        return {{\"count\": len(self.items), \"retries\": self.config.retries}}
```

**Tests** (add to `tests/test_ingest_component_{n}.py`):
```python
\"\"\"Tests for component {n}.\"\"\"

from service.ingest.component_{n} import Component{n}, Component{n}Config


class TestComponent{n}:
    \"\"\"Tests for Component{n}.\"\"\"

    def test_counts_items(self):
        component = Component{n}(Component{n}Config())
        component.add(\"a\")
        component.add(\"b\")
        assert component.run()[\"count\"] == 2

    def test_default_retries(self):
        assert Component{n}Config().retries == 3
```

**Verification**:
```bash
cd service && uv run pytest tests/test_ingest_component_{n}.py -v
```

**Output**: 2/2 tests passing

---

"
    );
}

fn tail(out: &mut String, steps: usize) {
    let tests = steps * 2;
    let _ = write!(
        out,
        "## Test Summary

### Affected Tests (Run These)

| Test File | Tests | What It Covers |
|-----------|-------|----------------|
| `tests/test_events.py` | ~12 | Event model validation |
| `tests/test_consumer.py` | ~8 | Consumer batching |

**Affected tests: ~20 tests**

**Full suite**: ~{tests} tests (optional - only run at checkpoints or if time permits)

---

## Production-Grade Checklist

Before marking task complete, verify:

- [ ] **OOP Design**: Classes with single responsibility and clear interfaces
- [ ] **Pydantic Models**: All data structures use Pydantic (no raw dicts for structured data)
- [ ] **Strong Typing**: Type hints on all functions, methods, and class attributes
- [ ] **No mock data**: All data comes from real sources (DB, API, files)
- [ ] **Real integrations**: External services are actually connected, not stubbed
- [ ] **Error handling**: Failures are handled, not ignored

---

## What \"Done\" Looks Like

```bash
# 1. Affected tests pass
cd service && uv run pytest tests/test_events.py tests/test_consumer.py -v --tb=short
# Expected: All pass

# 2. The pipeline ingests a recorded day
uv run python -m service.ingest replay fixtures/day.jsonl
# Expected: 86400 events ingested, 0 dead letters
```

---

## Files to Create/Modify

| File | Action | Status |
|------|--------|--------|
| `service/ingest/events.py` | Create | Pending: event models |
| `service/ingest/consumer.py` | Create | Pending: batching consumer |
| `tests/test_ingest_events.py` | Create | Pending: all tests |
| `pyproject.toml` | Modify | Pending: broker client |

---

## Dependencies

Update `service/pyproject.toml`:

```toml
dependencies = [
    \"pydantic>=2.7.0\",
    \"confluent-kafka>=2.4.0\",  # Add for the broker client
]
```

Then run:
```bash
cd service && uv sync
```

---

## Risks & Mitigations

| Risk | Likelihood | Mitigation |
|------|------------|------------|
| Broker unavailable in CI | M | Start it as a service container |
| Schema drift from producers | L | Validate with the shared event model |

---

## Next Steps After Completion

1. ✅ Verify affected tests pass (~20 tests)
2. ✅ Verify a recorded day ingests in under ten minutes
3. → Proceed to next task: m7-query
"
    );
}
