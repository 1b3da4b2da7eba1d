using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Warden.Core.Policy;

/// <summary>
/// A set of byte-range replacements over one JSON text, applied in one copy. Ranges must not overlap; insertions
/// at the same offset keep the order they were added in.
/// </summary>
internal sealed class JsonSplice
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly List<(int Start, int End, byte[] Bytes)> _edits = [];

    public bool IsEmpty => _edits.Count == 0;

    public void Replace(int start, int end, byte[] bytes) => _edits.Add((start, end, bytes));

    public void Insert(int at, byte[] bytes) => _edits.Add((at, at, bytes));

    public byte[] Apply(ReadOnlySpan<byte> source)
    {
        var ordered = _edits.Select((e, i) => (Edit: e, Order: i)).OrderBy(x => x.Edit.Start).ThenBy(x => x.Order).Select(x => x.Edit).ToList();
        var output = new ArrayBufferWriter<byte>(source.Length + 256);
        int at = 0;
        foreach (var (start, end, bytes) in ordered)
        {
            output.Write(source[at..start]);
            output.Write(bytes);
            at = end;
        }

        output.Write(source[at..]);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>Writes one JSON value (escaped the way Warden writes JSON elsewhere) and returns its bytes.</summary>
    public static byte[] Json(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            write(writer);
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The bytes of <c>"name":value</c>, with a leading comma when the object already has members.</summary>
    public static byte[] Member(string name, ReadOnlySpan<byte> value, bool leadingComma)
    {
        byte[] quoted = Json(w => w.WriteStringValue(name));
        var buffer = new ArrayBufferWriter<byte>(quoted.Length + value.Length + 2);
        if (leadingComma)
        {
            buffer.Write(","u8);
        }

        buffer.Write(quoted);
        buffer.Write(":"u8);
        buffer.Write(value);
        return buffer.WrittenSpan.ToArray();
    }
}
