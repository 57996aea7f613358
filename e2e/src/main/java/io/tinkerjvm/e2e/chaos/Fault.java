package io.tinkerjvm.e2e.chaos;

/**
 * One fault the driver injected, with what it measured (epoch ms; 0 when it did not happen).
 *
 * @param target tink-server, boots, pbnj, postgres, or agent-NN
 * @param killedAt when the kill -9 was sent
 * @param restartedAt when the process was started again
 * @param servingAt when it served again (health 200, port answering, the agent's "is up" line)
 * @param windowAtKill for an agent: its runs' containers at the kill, as "action=state" (the crash window hit)
 */
record Fault(String target, long killedAt, long restartedAt, long servingAt, String windowAtKill) {}
