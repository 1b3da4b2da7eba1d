using System.Buffers;
using System.Text;
using Warden.Core.Dialects;

namespace Warden.Core.Operations;

/// <summary>
/// A push parser for multipart/form-data (RFC 7578 over RFC 2046's framing) that a relay feeds the body through as it
/// forwards it: it keeps the small fields (<c>model</c>, <c>response_format</c>, ...) and, of each file part, its name,
/// length and first bytes, so the relay can route and bill an upload while the file's bytes pass on unbuffered. Chunks
/// may split anything anywhere (a boundary, a header line). Linear in the body's size; memory is bounded by
/// <see cref="MaxFieldBytes"/>, <see cref="MaxHeaderBytes"/> and <see cref="HeadBytes"/> per part.
/// </summary>
/// <remarks>
/// The delimiter is CRLF "--" boundary; a boundary may not contain CR (RFC 2046 §5.1.1: digits, letters and
/// <c>'()+_,-./:=?</c> and space), so a partial match that fails can restart only at a CR.
/// </remarks>
public sealed class MultipartScanner
{
    /// <summary>Largest value of a non-file field.</summary>
    public const int MaxFieldBytes = 64 * 1024;

    /// <summary>Largest header block of one part.</summary>
    public const int MaxHeaderBytes = 8 * 1024;

    /// <summary>How many leading bytes of each file are kept.</summary>
    public const int HeadBytes = 4096;

    private const int MaxParts = 1000;

    private readonly byte[] _delimiter;
    private readonly List<MultipartPart> _parts = [];
    private readonly ArrayBufferWriter<byte> _headers = new(256);
    private readonly ArrayBufferWriter<byte> _content = new(256);
    private State _state = State.Delimiter;
    private int _matched;
    private int _afterDelimiter;
    private string? _name;
    private string? _fileName;
    private string? _contentType;
    private long _length;

    public MultipartScanner(string boundary)
    {
        ArgumentException.ThrowIfNullOrEmpty(boundary);
        _delimiter = Encoding.ASCII.GetBytes("\r\n--" + boundary);

        // The body opens with the delimiter without its CRLF: start as if the CRLF had been seen.
        _matched = 2;
    }

    private enum State
    {
        Delimiter,
        AfterDelimiter,
        Headers,
        Content,
        Epilogue,
        Failed,
    }

    /// <summary>Parts completed so far, in order.</summary>
    public IReadOnlyList<MultipartPart> Parts => _parts;

    /// <summary>The first problem; nothing more is read after it.</summary>
    public RequestParseError? Error { get; private set; }

    /// <summary>Whether the closing delimiter has been read.</summary>
    public bool Completed => _state == State.Epilogue;

    /// <summary>The value of the first field named <paramref name="name"/> completed so far, or null.</summary>
    public string? Field(string name) => _parts.FirstOrDefault(p => !p.IsFile && p.Name == name)?.Value;

    /// <summary>Whether a file part has begun (a relay that needs <c>model</c> before routing knows it will not come first).</summary>
    public bool InFile => _state == State.Content && _fileName is not null;

    /// <summary>
    /// The boundary of a <c>multipart/form-data</c> Content-Type, or an error naming what is wrong with it.
    /// </summary>
    public static bool TryGetBoundary(string? contentType, out string boundary, out RequestParseError? error)
    {
        boundary = "";
        error = null;
        var pieces = (contentType ?? "").Split(';', StringSplitOptions.TrimEntries);
        if (!pieces[0].Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            error = new RequestParseError("This endpoint takes a multipart/form-data body.", null);
            return false;
        }

        foreach (var piece in pieces.Skip(1))
        {
            if (piece.StartsWith("boundary=", StringComparison.OrdinalIgnoreCase))
            {
                boundary = piece["boundary=".Length..].Trim('"');
            }
        }

        // RFC 2046 §5.1.1: 1 to 70 characters, none of them CR or LF.
        if (boundary.Length is 0 or > 70 || boundary.AsSpan().IndexOfAny('\r', '\n') >= 0)
        {
            error = new RequestParseError("The multipart/form-data Content-Type needs a boundary of 1 to 70 characters.", null);
            return false;
        }

        return true;
    }

    /// <summary>Reads the next bytes of the body; false once an error was found (see <see cref="Error"/>).</summary>
    public bool Feed(ReadOnlySpan<byte> chunk)
    {
        int i = 0;
        while (i < chunk.Length && _state != State.Failed)
        {
            switch (_state)
            {
                case State.Delimiter or State.Content:
                    i = ScanContent(chunk, i);
                    break;
                case State.AfterDelimiter:
                    i = AfterDelimiter(chunk, i);
                    break;
                case State.Headers:
                    i = ReadHeaders(chunk, i);
                    break;
                case State.Epilogue:
                    // Anything after the closing delimiter is ignored (RFC 2046 epilogue).
                    return true;
            }
        }

        return _state != State.Failed;
    }

    /// <summary>The body ended: an error unless the closing delimiter was read.</summary>
    public bool Complete()
    {
        if (_state is not (State.Epilogue or State.Failed))
        {
            Fail("The multipart body ended before its closing boundary.", null);
        }

        return _state == State.Epilogue;
    }

    /// <summary>Content bytes up to the next delimiter; the preamble (State.Delimiter) is discarded the same way.</summary>
    private int ScanContent(ReadOnlySpan<byte> chunk, int i)
    {
        while (i < chunk.Length && _state != State.Failed)
        {
            if (_matched == 0)
            {
                // Fast path: nothing can start a delimiter before the next CR.
                int cr = chunk[i..].IndexOf((byte)'\r');
                int end = cr < 0 ? chunk.Length : i + cr;
                Append(chunk[i..end]);
                i = end;
                if (cr < 0)
                {
                    return i;
                }
            }

            byte b = chunk[i];
            if (b == _delimiter[_matched])
            {
                _matched++;
                i++;
                if (_matched == _delimiter.Length)
                {
                    _matched = 0;
                    EndPart();
                    _state = _state == State.Failed ? State.Failed : State.AfterDelimiter;
                    _afterDelimiter = 0;
                    return i;
                }
            }
            else
            {
                // The bytes matched so far were content after all; this byte starts over (it may be a CR).
                Append(_delimiter.AsSpan(0, _matched));
                _matched = 0;
                if (b != (byte)'\r')
                {
                    Append(chunk.Slice(i, 1));
                    i++;
                }
            }
        }

        return i;
    }

    /// <summary>After a delimiter: "--" closes the body; else optional spaces and CRLF open a part's headers.</summary>
    private int AfterDelimiter(ReadOnlySpan<byte> chunk, int i)
    {
        while (i < chunk.Length)
        {
            byte b = chunk[i++];
            switch (_afterDelimiter)
            {
                case 0 when b == (byte)'-':
                    _afterDelimiter = 1;
                    break;
                case 1 when b == (byte)'-':
                    _state = State.Epilogue;
                    return chunk.Length;
                case 0 when b is (byte)' ' or (byte)'\t':
                    break;
                case 0 when b == (byte)'\r':
                    _afterDelimiter = 2;
                    break;
                case 2 when b == (byte)'\n':
                    if (_parts.Count >= MaxParts)
                    {
                        Fail($"The multipart body has more than {MaxParts} parts.", null);
                        return chunk.Length;
                    }

                    _state = State.Headers;
                    _headers.ResetWrittenCount();
                    return i;
                default:
                    Fail("The multipart body is malformed: a boundary is not followed by a line break or '--'.", null);
                    return chunk.Length;
            }
        }

        return i;
    }

    private int ReadHeaders(ReadOnlySpan<byte> chunk, int i)
    {
        while (i < chunk.Length)
        {
            _headers.GetSpan(1)[0] = chunk[i++];
            _headers.Advance(1);
            int length = _headers.WrittenCount;
            if (length > MaxHeaderBytes)
            {
                Fail($"A multipart part's headers are longer than {MaxHeaderBytes} bytes.", null);
                return chunk.Length;
            }

            var buffer = _headers.WrittenSpan;
            bool blankLine = length == 2 && buffer[0] == '\r' && buffer[1] == '\n';
            bool endOfHeaders = length >= 4 && buffer[length - 4] == '\r' && buffer[length - 3] == '\n' && buffer[length - 2] == '\r' && buffer[length - 1] == '\n';
            if (blankLine || endOfHeaders)
            {
                StartPart(Encoding.UTF8.GetString(buffer));
                return i;
            }
        }

        return i;
    }

    private void StartPart(string headers)
    {
        _name = null;
        _fileName = null;
        _contentType = null;
        _length = 0;
        _content.ResetWrittenCount();
        foreach (var line in headers.Split("\r\n", StringSplitOptions.RemoveEmptyEntries))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                continue;
            }

            string header = line[..colon].Trim();
            string value = line[(colon + 1)..].Trim();
            if (header.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            {
                _contentType = value;
            }
            else if (header.Equals("Content-Disposition", StringComparison.OrdinalIgnoreCase))
            {
                _name = Parameter(value, "name");
                _fileName = Parameter(value, "filename");
            }
        }

        if (_name is null)
        {
            Fail("A multipart part has no Content-Disposition form-data name.", null);
            return;
        }

        _state = State.Content;
    }

    /// <summary>A quoted or bare parameter of a Content-Disposition value (<c>form-data; name="file"; filename="a.wav"</c>).</summary>
    private static string? Parameter(string disposition, string name)
    {
        foreach (var piece in disposition.Split(';', StringSplitOptions.TrimEntries).Skip(1))
        {
            int equals = piece.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0 && piece[..equals].Trim().Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                string value = piece[(equals + 1)..].Trim();
                return value.Length >= 2 && value[0] == '"' && value[^1] == '"' ? value[1..^1].Replace("\\\"", "\"", StringComparison.Ordinal) : value;
            }
        }

        return null;
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        if (_state != State.Content || bytes.IsEmpty)
        {
            return;
        }

        _length += bytes.Length;
        int keep = _fileName is null ? MaxFieldBytes : HeadBytes;
        int room = Math.Max(0, keep - _content.WrittenCount);
        _content.Write(bytes[..Math.Min(room, bytes.Length)]);
        if (_fileName is null && _length > MaxFieldBytes)
        {
            Fail($"The multipart field '{_name}' is longer than {MaxFieldBytes} bytes; only files may be larger.", _name);
        }
    }

    private void EndPart()
    {
        if (_state != State.Content)
        {
            return;
        }

        var kept = _content.WrittenSpan.ToArray();
        if (_fileName is null)
        {
            string value;
            try
            {
                value = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(kept);
            }
            catch (DecoderFallbackException)
            {
                Fail($"The multipart field '{_name}' is not valid UTF-8.", _name);
                return;
            }

            _parts.Add(new MultipartPart(_name!, null, _contentType, value, _length, ReadOnlyMemory<byte>.Empty));
        }
        else
        {
            _parts.Add(new MultipartPart(_name!, _fileName, _contentType, null, _length, kept));
        }
    }

    private void Fail(string message, string? param)
    {
        Error ??= new RequestParseError(message, param);
        _state = State.Failed;
    }
}
