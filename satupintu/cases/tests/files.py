"""Real files for upload tests: a PDF, a PNG, a phone photo with GPS and time in its EXIF."""

from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from PIL.TiffImagePlugin import IFDRational

# A minimal, well-formed one-page PDF.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def pdf(name: str = "ktp.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    """An upload sent as a PDF: the small valid one unless ``content`` says otherwise."""
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def png(name: str = "foto.png") -> SimpleUploadedFile:
    out = BytesIO()
    Image.new("RGB", (8, 8), "blue").save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def _dms(value: float) -> tuple[IFDRational, IFDRational, IFDRational]:
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round(((value - degrees) * 60 - minutes) * 60 * 100)
    return IFDRational(degrees, 1), IFDRational(minutes, 1), IFDRational(seconds, 100)


def geotagged_jpeg(
    name: str = "drone.jpg", *, lat: float = -6.5971, lon: float = 106.806
) -> SimpleUploadedFile:
    """A JPEG as a drone or phone writes it: GPS position and the time it was taken."""
    image = Image.new("RGB", (16, 16), "green")
    exif = image.getexif()
    exif[0x0110] = "Drone DJI"
    exif.get_ifd(0x8769)[0x9003] = "2026:03:10 09:30:00"
    gps = exif.get_ifd(0x8825)
    gps.update({1: "S" if lat < 0 else "N", 2: _dms(abs(lat)), 3: "E", 4: _dms(lon)})
    out = BytesIO()
    image.save(out, "JPEG", exif=exif)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")
