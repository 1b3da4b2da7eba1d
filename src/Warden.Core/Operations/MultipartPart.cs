namespace Warden.Core.Operations;

/// <summary>
/// One part of a multipart/form-data body as <see cref="MultipartScanner"/> saw it. A field (no filename) keeps its
/// value; a file keeps only its length and its first bytes (enough for a WAV or PNG header), never the whole content.
/// </summary>
/// <param name="Name">The part's form name (Content-Disposition <c>name</c>).</param>
/// <param name="FileName">The Content-Disposition <c>filename</c>; null for a plain field.</param>
/// <param name="ContentType">The part's Content-Type header, when given.</param>
/// <param name="Value">A field's value as UTF-8 text; null for a file.</param>
/// <param name="Length">Bytes of the part's content.</param>
/// <param name="Head">A file's first bytes (up to <see cref="MultipartScanner.HeadBytes"/>); empty for a field.</param>
public sealed record MultipartPart(string Name, string? FileName, string? ContentType, string? Value, long Length, ReadOnlyMemory<byte> Head)
{
    public bool IsFile => FileName is not null;
}
