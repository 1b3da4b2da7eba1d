namespace Warden.Core.Dialects;

/// <summary>Why a client's request body was refused, in words the client can act on.</summary>
/// <param name="Message">Human-readable reason, naming where the body broke.</param>
/// <param name="Param">The offending field, when one is to blame.</param>
public sealed record RequestParseError(string Message, string? Param);
