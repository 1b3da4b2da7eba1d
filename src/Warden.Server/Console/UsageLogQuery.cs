namespace Warden.Server.Console;

/// <summary>The usage page's search: free text over ids and names, a status class, a time window.</summary>
/// <param name="Text">Matched (substring, case-insensitive) against request id, key id and name, tenant, models and channel.</param>
/// <param name="Status">"ok" (2xx), "error" (anything else) or null for both.</param>
/// <param name="Since">Only requests at or after this time.</param>
/// <param name="Limit">At most this many rows, newest first.</param>
internal sealed record UsageLogQuery(string? Text, string? Status, DateTimeOffset? Since, int Limit);
