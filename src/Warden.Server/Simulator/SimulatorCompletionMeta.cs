namespace Warden.Server.Simulator;

/// <summary>The envelope fields shared by an answer and all of its chunks; RequestId is the simulator request id (Anthropic errors quote it).</summary>
internal readonly record struct SimulatorCompletionMeta(string Id, long Created, string Model, string RequestId = "");
