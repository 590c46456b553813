import { DataTypes, Sequelize } from "sequelize"

export const sequelize = new Sequelize(process.env.DATABASE_URL)

export const Order = sequelize.define("Order", {
    total: { type: DataTypes.DECIMAL(10, 2), allowNull: false },
    customer: { type: DataTypes.STRING, allowNull: false },
    note: DataTypes.TEXT,
})
