using System.Text.Json;

namespace Warden.Core.Policy;

/// <summary>One member of a JSON object, as byte offsets into the text it was read from.</summary>
/// <param name="Name">The member name, unescaped.</param>
/// <param name="ValueStart">Offset of the value's first byte.</param>
/// <param name="ValueEnd">Offset just after the value's last byte.</param>
/// <param name="Kind">The value's first token (StartObject, StartArray, String, Number, True, False or Null).</param>
internal readonly record struct JsonMember(string Name, int ValueStart, int ValueEnd, JsonTokenType Kind);
