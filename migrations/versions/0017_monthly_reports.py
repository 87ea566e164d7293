"""monthly reports: the PDF of a month for a company (site_id NULL) or one of its sites, kept

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 00:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('monthly_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=True),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('generated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_monthly_report_site_id_site'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id'], name=op.f('fk_monthly_report_tenant_id_tenant'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_monthly_report')),
    sa.UniqueConstraint('tenant_id', 'site_id', 'month', name=op.f('uq_monthly_report_tenant_id_site_id_month'))
    )
    op.create_index(op.f('ix_monthly_report_tenant_id'), 'monthly_report', ['tenant_id'], unique=False)
    # NULLs are distinct in the constraint above: one company report a month needs its own.
    op.create_index('uq_monthly_report_company_month', 'monthly_report', ['tenant_id', 'month'], unique=True,
                    postgresql_where=sa.text('site_id IS NULL'), sqlite_where=sa.text('site_id IS NULL'))


def downgrade():
    op.drop_index('uq_monthly_report_company_month', table_name='monthly_report')
    op.drop_index(op.f('ix_monthly_report_tenant_id'), table_name='monthly_report')
    op.drop_table('monthly_report')
