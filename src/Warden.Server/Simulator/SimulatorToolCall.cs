namespace Warden.Server.Simulator;

internal sealed record SimulatorToolCall(string Id, string Name, string Arguments);
