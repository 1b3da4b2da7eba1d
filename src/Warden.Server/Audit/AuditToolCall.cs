namespace Warden.Server.Audit;

/// <summary>A tool call found in an answer: the tool's name and its arguments as the JSON text the wire carried.</summary>
internal sealed record AuditToolCall(string Name, string ArgumentsJson);
