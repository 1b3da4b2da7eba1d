using System.Text.Json;

namespace Warden.Server.Simulator;

/// <summary>A declared function tool; Parameters is a detached clone of its JSON schema (or null).</summary>
internal sealed record SimulatorTool(string Name, JsonElement? Parameters);
