namespace Warden.Server.Audit;

/// <summary>What an endpoint declares about a model in its model list: its id, owner and limits when it says them.</summary>
internal sealed record AuditModelInfo(string Id, string? OwnedBy, long? ContextWindow, long? MaxOutputTokens);
