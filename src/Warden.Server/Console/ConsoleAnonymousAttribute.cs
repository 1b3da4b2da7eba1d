namespace Warden.Server.Console;

/// <summary>Marks the one console page reachable without a session: sign-in.</summary>
[AttributeUsage(AttributeTargets.Class)]
internal sealed class ConsoleAnonymousAttribute : Attribute;
