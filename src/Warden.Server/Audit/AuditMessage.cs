namespace Warden.Server.Audit;

/// <summary>One turn of an audit conversation. <see cref="Role"/> is <c>system</c>, <c>user</c> or <c>assistant</c>;
/// each protocol client maps it to its own shape (Anthropic's and Gemini's system instruction, for instance).</summary>
internal sealed record AuditMessage(string Role, string Text)
{
    public static AuditMessage User(string text) => new("user", text);

    public static AuditMessage Assistant(string text) => new("assistant", text);

    public static AuditMessage System(string text) => new("system", text);
}
