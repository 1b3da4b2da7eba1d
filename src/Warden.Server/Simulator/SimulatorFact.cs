namespace Warden.Server.Simulator;

/// <summary>
/// A sentence "The code word for LABEL is VALUE." found in a message (issue 21's cut-context probe). <see cref="Turn"/>
/// is the message's position among the conversation's non-system messages, or -1 in a system prompt, so that a relay
/// that keeps only the last N messages (system prompt kept) can be simulated.
/// </summary>
internal sealed record SimulatorFact(string Label, string Value, int Turn);
