using System.Text.Json.Nodes;

namespace Warden.Server.Audit;

/// <summary>A function tool declared in an audit request: its name, description and JSON Schema for the arguments.</summary>
internal sealed record AuditToolDefinition(string Name, string Description, JsonObject Parameters);
