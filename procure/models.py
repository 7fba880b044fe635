"""Organisations and people: wards, facilities, departments, vendors, users."""
from __future__ import annotations

import enum
from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates
from werkzeug.security import check_password_hash, generate_password_hash

from procure.audit import Audited
from procure.codes import validate_corporate_number, validate_invoice_registration_number
from procure.dbtypes import UTCDateTime, enum_type, utcnow
from procure.extensions import db


class Role(str, enum.Enum):
    WARD_STAFF = "ward_staff"
    WARD_APPROVER = "ward_approver"
    WARD_INSPECTOR = "ward_inspector"
    OFFICE = "office"
    VENDOR = "vendor"

    @property
    def is_ward(self) -> bool:
        return self in WARD_ROLES


WARD_ROLES = frozenset({Role.WARD_STAFF, Role.WARD_APPROVER, Role.WARD_INSPECTOR})
ALL_ROLES = frozenset(Role)


class Ward(Audited, db.Model):
    __tablename__ = "ward"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(6), unique=True)  # 全国地方公共団体コード
    name_ja: Mapped[str] = mapped_column(String(20), unique=True)
    name_en: Mapped[str] = mapped_column(String(40))
    population: Mapped[int]
    households: Mapped[int | None]  # unknown figures stay empty, never invented

    facilities: Mapped[list[Facility]] = relationship(back_populates="ward", order_by="Facility.id")
    departments: Mapped[list[Department]] = relationship(
        back_populates="ward", order_by="Department.code"
    )

    def __repr__(self) -> str:
        return f"<Ward {self.code} {self.name_en}>"


class FacilityKind(str, enum.Enum):
    MAIN_OFFICE = "main_office"  # 本庁舎
    BRANCH_OFFICE = "branch_office"  # 出張所・総合支所
    SCHOOL = "school"
    OTHER = "other"  # 図書館, 体育館, 保育園 ... any site consuming electricity


class Facility(Audited, db.Model):
    __tablename__ = "facility"
    __table_args__ = (UniqueConstraint("ward_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("ward.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[FacilityKind] = mapped_column(enum_type(FacilityKind))
    address: Mapped[str | None] = mapped_column(String(200))
    postal_code: Mapped[str | None] = mapped_column(String(8))

    ward: Mapped[Ward] = relationship(back_populates="facilities")
    spaces: Mapped[list[Space]] = relationship(
        back_populates="facility", order_by="Space.id", cascade="all, delete-orphan"
    )


class SpaceKind(str, enum.Enum):
    FLOOR = "floor"
    UTILITY = "utility"  # 共用文具置き場 and other shared supply spaces


class Space(Audited, db.Model):
    """A floor of a facility, or a utility space on a floor."""

    __tablename__ = "space"
    __table_args__ = (UniqueConstraint("facility_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    facility_id: Mapped[int] = mapped_column(ForeignKey("facility.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    floor: Mapped[str] = mapped_column(String(10))
    kind: Mapped[SpaceKind] = mapped_column(enum_type(SpaceKind))

    facility: Mapped[Facility] = relationship(back_populates="spaces")

    @property
    def ward_id(self) -> int:
        return self.facility.ward_id


class Department(Audited, db.Model):
    __tablename__ = "department"
    __table_args__ = (UniqueConstraint("ward_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("ward.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(100))

    ward: Mapped[Ward] = relationship(back_populates="departments")


class Vendor(Audited, db.Model):
    __tablename__ = "vendor"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    name_kana: Mapped[str | None] = mapped_column(String(100))
    corporate_number: Mapped[str] = mapped_column(String(13), unique=True)
    invoice_registration_number: Mapped[str | None] = mapped_column(String(14), unique=True)
    head_office_address: Mapped[str] = mapped_column(String(200))
    head_office_prefecture: Mapped[str] = mapped_column(String(10))
    # Set when the head office is inside one of the 23 wards (regional requirements).
    head_office_ward_id: Mapped[int | None] = mapped_column(ForeignKey("ward.id"))
    is_sme: Mapped[bool] = mapped_column(default=False)  # 中小企業
    categories: Mapped[str] = mapped_column(String(200), default="")  # comma-separated

    head_office_ward: Mapped[Ward | None] = relationship()
    branches: Mapped[list[VendorBranch]] = relationship(
        back_populates="vendor", cascade="all, delete-orphan", order_by="VendorBranch.id"
    )
    qualifications: Mapped[list[VendorQualification]] = relationship(
        back_populates="vendor", cascade="all, delete-orphan", order_by="VendorQualification.id"
    )

    @validates("corporate_number")
    def _check_corporate_number(self, _key, value):
        return validate_corporate_number(value)

    @validates("invoice_registration_number")
    def _check_invoice_registration_number(self, _key, value):
        return None if value in (None, "") else validate_invoice_registration_number(value)

    def qualified_in(self, ward_id: int, on_date) -> bool:
        return any(q.ward_id == ward_id and q.is_valid_on(on_date) for q in self.qualifications)


class VendorBranch(Audited, db.Model):
    __tablename__ = "vendor_branch"
    id: Mapped[int] = mapped_column(primary_key=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendor.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(200))
    prefecture: Mapped[str] = mapped_column(String(10))
    ward_id: Mapped[int | None] = mapped_column(ForeignKey("ward.id"))

    vendor: Mapped[Vendor] = relationship(back_populates="branches")
    ward: Mapped[Ward | None] = relationship()


class VendorQualification(Audited, db.Model):
    """競争入札参加資格: a vendor's registration with one ward, valid for a period."""

    __tablename__ = "vendor_qualification"
    __table_args__ = (
        UniqueConstraint("vendor_id", "ward_id", "category"),
        CheckConstraint("valid_from <= valid_to", name="valid_period"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendor.id"), index=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("ward.id"), index=True)
    category: Mapped[str] = mapped_column(String(50))  # 物品 / 電力 ...
    registration_number: Mapped[str | None] = mapped_column(String(30))
    valid_from: Mapped[date] = mapped_column(db.Date)
    valid_to: Mapped[date] = mapped_column(db.Date)

    vendor: Mapped[Vendor] = relationship(back_populates="qualifications")
    ward: Mapped[Ward] = relationship()

    def is_valid_on(self, on_date) -> bool:
        return self.valid_from <= on_date <= self.valid_to


class User(Audited, UserMixin, db.Model):
    __tablename__ = "user_account"
    __audit_redact__ = frozenset({"password_hash"})
    __table_args__ = (
        # A user belongs to exactly one ward, or the office, or exactly one vendor.
        CheckConstraint(
            "(role IN ('ward_staff','ward_approver','ward_inspector') "
            " AND ward_id IS NOT NULL AND vendor_id IS NULL)"
            " OR (role = 'office' AND ward_id IS NULL AND vendor_id IS NULL)"
            " OR (role = 'vendor' AND vendor_id IS NOT NULL AND ward_id IS NULL)",
            name="one_affiliation",
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(enum_type(Role))
    ward_id: Mapped[int | None] = mapped_column(ForeignKey("ward.id"), index=True)
    vendor_id: Mapped[int | None] = mapped_column(ForeignKey("vendor.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    ward: Mapped[Ward | None] = relationship()
    vendor: Mapped[Vendor | None] = relationship()
    department: Mapped[Department | None] = relationship()

    @property
    def is_active(self) -> bool:  # Flask-Login: inactive users cannot sign in
        return self.active

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def affiliation_name(self) -> str:
        if self.ward is not None:
            return self.ward.name_ja
        if self.vendor is not None:
            return self.vendor.name
        return "共同調達組織"


class WardPreference(Audited, db.Model):
    """How a ward wants its filed documents (発注書, 契約書, 検収調書) written; no row = the defaults."""

    __tablename__ = "ward_preference"
    id: Mapped[int] = mapped_column(primary_key=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("ward.id"), unique=True)
    document_dates: Mapped[str] = mapped_column(String(10), default="wareki")  # wareki (令和8年…) | western


def document_date_style(ward_id: int) -> str:
    """"wareki" or "western", as the ward chose (和暦 unless it chose 西暦)."""
    chosen = db.session.scalar(select(WardPreference.document_dates).filter_by(ward_id=ward_id))
    return chosen or "wareki"


def set_document_date_style(ward_id: int, style: str) -> None:
    row = db.session.scalar(select(WardPreference).filter_by(ward_id=ward_id))
    if row is None:
        db.session.add(WardPreference(ward_id=ward_id, document_dates=style))
    elif row.document_dates != style:
        row.document_dates = style
    db.session.flush()
