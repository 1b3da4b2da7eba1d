namespace Warden.Core.Providers;

/// <summary>The wire protocols Warden speaks, as a client-facing dialect or an upstream's API.</summary>
public enum WireDialect
{
    OpenAIChat,
}
