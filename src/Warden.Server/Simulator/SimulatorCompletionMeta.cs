namespace Warden.Server.Simulator;

/// <summary>The envelope fields shared by a completion and all of its chunks.</summary>
internal readonly record struct SimulatorCompletionMeta(string Id, long Created, string Model);
