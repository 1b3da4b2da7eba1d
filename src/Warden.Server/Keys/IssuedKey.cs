namespace Warden.Server.Keys;

/// <summary>A key just created: the only moment its plaintext exists. Show it once, then let it go.</summary>
internal sealed record IssuedKey(ClientKey Key, string Plaintext)
{
    // Keeps the plaintext out of logs and debugger displays that format records.
    public override string ToString() => $"IssuedKey {{ Id = {Key.Id}, Hint = {Key.Hint} }}";
}
