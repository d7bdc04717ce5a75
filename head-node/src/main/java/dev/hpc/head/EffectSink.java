package dev.hpc.head;

import dev.hpc.head.state.Effect;

/** Where effects go once the change behind them is durable: the worker gateway. */
public interface EffectSink {
    void deliver(Effect effect);
}
