namespace Warden.Server.Secrets;

/// <summary>What tells a file was replaced or rewritten: its last write time and length.</summary>
internal sealed record FileStamp(DateTime LastWriteUtc, long Length)
{
    /// <summary>The file's stamp, or null when it does not exist.</summary>
    public static FileStamp? Of(string path)
    {
        var info = new FileInfo(path);
        return info.Exists ? new FileStamp(info.LastWriteTimeUtc, info.Length) : null;
    }
}
