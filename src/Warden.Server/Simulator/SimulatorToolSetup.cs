namespace Warden.Server.Simulator;

/// <summary>The declared function tools of a request, the compact size of its tools array, and its tool choice.</summary>
internal readonly record struct SimulatorToolSetup(IReadOnlyList<SimulatorTool> Tools, int JsonBytes, SimulatorToolChoice Choice, string? ChoiceName);
